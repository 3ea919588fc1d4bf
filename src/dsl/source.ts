/** A spec file's text with offset → line/column, so every error can point into the file. */
import { LineCounter } from 'yaml';
import { CircuitspecError } from '../errors.js';

export class SourceText {
  readonly lines = new LineCounter();
  constructor(readonly file: string, readonly text: string) {
    this.lines.addNewLine(0);
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lines.addNewLine(i + 1);
  }

  /** 1-based line and column of a 0-based offset. */
  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  error(message: string, offset: number | undefined, field?: string): CircuitspecError {
    const pos = offset === undefined ? {} : this.position(offset);
    return new CircuitspecError(message, { file: this.file, ...pos, field });
  }
}
