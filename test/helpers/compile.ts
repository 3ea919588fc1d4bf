// The one-line error a spec text fails to compile with (a CircuitspecError, formatted as the CLI prints it).
import { expect } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';

export function compileError(file: string, text: string, opts: Parameters<typeof compileText>[2] = {}): string {
  try {
    compileText(file, text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(CircuitspecError);
    return (e as CircuitspecError).format();
  }
  throw new Error('compiled without error');
}
