import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CircuitspecError } from '../../errors.js';

/** sha256 (hex) of a file, streamed in 1 MiB chunks (constant memory). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => h.update(chunk))
      .on('error', (e) => reject(new CircuitspecError(`cannot read for hashing: ${e.message}`, { file: path })))
      .on('end', () => resolve(h.digest('hex')));
  });
}
