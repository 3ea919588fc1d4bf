/**
 * The one error type users see. It carries where the problem is (a file, a line and column, a field, a tensor)
 * so the CLI can print one clear line instead of a stack trace.
 */
export interface ErrorLocation {
  file?: string;
  line?: number; // 1-based
  column?: number; // 1-based
  field?: string; // e.g. "metrics.acc.task" or a tensor name
}

export class CircuitspecError extends Error {
  readonly location: ErrorLocation;
  constructor(message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'CircuitspecError';
    this.location = location;
  }

  /** `file:line:col: field: message`, omitting what is unknown. */
  format(): string {
    const { file, line, column, field } = this.location;
    let where = file ?? '';
    if (file && line !== undefined) where += `:${line}${column !== undefined ? `:${column}` : ''}`;
    const prefix = [where, field].filter((s) => s).join(': ');
    return prefix ? `${prefix}: ${this.message}` : this.message;
  }
}

export function isCircuitspecError(e: unknown): e is CircuitspecError {
  return e instanceof CircuitspecError;
}

/** Several errors found in one pass (every bad task of a spec, …), printed one line each. */
export class CircuitspecErrors extends CircuitspecError {
  constructor(readonly errors: CircuitspecError[]) {
    super(errors.map((e) => e.message).join('; '), errors[0]?.location ?? {});
    this.name = 'CircuitspecErrors';
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}
