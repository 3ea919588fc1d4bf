// The browser page's stand-ins for Node built-ins, checked against Node's own.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash as pageHash } from '../../src/browser/shims/crypto.js';
import * as path from '../../src/browser/shims/path.js';
import * as fs from '../../src/browser/shims/fs.js';
import { matchByName, putFile } from '../../src/browser/vfs.js';

const segment = fc.constantFrom('a', 'b', 'data', '..', '.', 'x.json', 'm.safetensors');
const rel = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
const abs = rel.map((r) => `/${r}`);

describe('browser shims', () => {
  it('sha256 equals node:crypto for any bytes, fed in any chunks', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (bytes, step) => {
      const h = pageHash('sha256');
      for (let i = 0; i < bytes.length; i += step) h.update(bytes.subarray(i, i + step));
      expect(h.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }));
    expect(pageHash('sha256').update('abc').digest('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('path agrees with node:path (POSIX, working directory /)', () => {
    fc.assert(fc.property(abs, rel, (a, r) => {
      expect(path.resolve(a, r)).toBe(posix.resolve(a, r));
      expect(path.join(a, r)).toBe(posix.join(a, r));
      expect(path.dirname(path.join(a, r))).toBe(posix.dirname(posix.join(a, r)));
      expect(path.basename(a)).toBe(posix.basename(posix.normalize(a)));
      expect(path.extname(a)).toBe(posix.extname(posix.normalize(a)));
      expect(path.relative(a, path.resolve(a, r))).toBe(posix.relative(a, posix.resolve(a, r)));
    }));
  });

  it('fs reads picked files by path, whole or by offset; spec-relative names fall back to the picked file', () => {
    putFile('/picked/spec/tasks.jsonl', '{"a":1}\n');
    putFile('/picked/model/w.bin', new Uint8Array([1, 2, 3, 4, 5]));
    expect(fs.existsSync('/picked/model')).toBe(true);
    expect(fs.statSync('/picked/model').isDirectory()).toBe(true);
    expect(fs.readFileSync('/picked/spec/tasks.jsonl', 'utf8')).toBe('{"a":1}\n');
    const fd = fs.openSync('/picked/model/w.bin');
    const dst = new Uint8Array(3);
    expect(fs.readSync(fd, dst, 1, 2, 3)).toBe(2);
    expect([...dst]).toEqual([0, 4, 5]);
    expect(fs.fstatSync(fd).size).toBe(5);
    fs.closeSync(fd);
    expect(fs.existsSync('/picked/spec/data/tasks.jsonl')).toBe(false);
    matchByName('/picked/spec');
    expect(fs.readFileSync('/picked/spec/data/tasks.jsonl', 'utf8')).toBe('{"a":1}\n');
    expect(() => fs.readFileSync('/picked/spec/other.jsonl')).toThrow(/ENOENT/);
  });
});
