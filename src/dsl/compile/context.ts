/** What every compile step shares: the loaded file (for locations), the model's shape, and the spec's names. */
import { CircuitspecError } from '../../errors.js';
import type { ExprOrigin } from '../expr/index.js';
import type { Spec } from '../schema.js';
import type { LoadedYaml, Path } from '../yaml.js';
import type { ModelShape, PlanTask, SpecLocation } from '../../plan/types.js';

/** Makes an error located at one place (a YAML field or a character of an expression). */
export type Blame = (message: string) => CircuitspecError;

export class CompileContext {
  tasks = new Map<string, PlanTask>();
  /** The spec's folder: relative data paths (task and sequence files) are read from it. */
  baseDir = process.cwd();
  constructor(
    readonly loaded: LoadedYaml,
    readonly spec: Spec,
    readonly shape: ModelShape,
    readonly modelLabel: string,
  ) {}

  /** Blame the value at a path (or its key, when `key` is set). */
  at(path: Path, key = false): Blame {
    return (message) => {
      const r = this.loaded.at(path);
      const offset = key ? (r?.key?.[0] ?? r?.value[0]) : r?.value[0];
      return this.loaded.source.error(message, offset, path.join('.'));
    };
  }

  location(path: Path): SpecLocation {
    const r = this.loaded.at(path);
    const { line, column } = this.loaded.source.position(r?.key?.[0] ?? r?.value[0] ?? 0);
    return { file: this.loaded.source.file, line, column };
  }

  /** An expression field's origin: expression offsets become file positions. */
  origin(path: Path, exprText: string): ExprOrigin {
    const start = this.loaded.exprStart(path);
    const text = this.loaded.source.text;
    return {
      error: (message, offset) => {
        const at = start === undefined ? undefined : alignOffset(text, start, exprText, offset);
        return this.loaded.source.error(message, at, path.join('.'));
      },
    };
  }

  /** Blame a character range of an expression. */
  exprAt(origin: ExprOrigin, offset: number | undefined): Blame {
    return (message) => origin.error(message, offset ?? 0);
  }
}

/**
 * Where the `offset`-th character of an expression sits in the file: walk the source from the field's start,
 * matching characters, so folded lines and indentation in multi-line YAML scalars are skipped over.
 */
export function alignOffset(source: string, start: number, expr: string, offset: number): number {
  let p = start;
  for (let i = 0; i < Math.min(offset, expr.length); i++) {
    const want = expr[i];
    let q = p;
    while (q < source.length && source[q] !== want && /\s/.test(source[q]) && q - p < 200) q++;
    p = source[q] === want ? q + 1 : p + 1;
  }
  while (p < source.length && /[ \t]/.test(source[p]) && expr[offset] !== undefined && expr[offset] !== ' ' && source[p] !== expr[offset]) p++;
  return p;
}

export function isError(e: unknown): e is CircuitspecError {
  return e instanceof CircuitspecError;
}
