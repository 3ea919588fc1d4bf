/**
 * A JSON-lines file read line by line (task files, sequence files): blank lines and lines starting with // are
 * skipped, each other line is parsed, and every error names the file and the line (and a field when given).
 */
import { readFileSync } from 'node:fs';
import { CircuitspecError } from '../../errors.js';

export type LineFail = (msg: string, field?: string) => never;

/** `what` names the file in a read error ("task file", "sequences file"). */
export function forEachJsonLine(path: string, what: string, each: (rec: unknown, line: number, fail: LineFail) => void): void {
  let body: string;
  try {
    body = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CircuitspecError(`cannot read ${what}: ${(e as Error).message}`, { file: path });
  }
  body.split(/\r?\n/).forEach((raw, k) => {
    const line = k + 1;
    if (raw.trim() === '' || raw.trim().startsWith('//')) return;
    const fail: LineFail = (msg, field) => {
      throw new CircuitspecError(msg, { file: path, line, ...(field !== undefined && { field }) });
    };
    let rec: unknown;
    try {
      rec = JSON.parse(raw);
    } catch (e) {
      return fail(`not valid JSON: ${(e as Error).message}`);
    }
    each(rec, line, fail);
  });
}
