/** The expression language's typed AST. Offsets (`at`) index the expression text, for errors that point at it. */
export interface Span { start: number; end: number }

export type RangeSpec = '*' | { from: number; to: number };
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';
export interface Tolerance { value: number; raw: string; percent: boolean }
export interface Arg { name?: string; value: Expr }
export type IndexValue = number | string; // a number, a role name, or '*'

export type Expr =
  /** `0.496`, `93.7%`, and standalone `9.9` (read as a head where a head is expected). */
  | { type: 'number'; value: number; raw: string; percent: boolean; at?: Span }
  /** A head literal, inside `{…}`. */
  | { type: 'head'; layer: number; head: number; at?: Span }
  /** A name: metric, circuit, task, intervention, role, stage, or an option value like `logits`. */
  | { type: 'ident'; name: string; at?: Span }
  /** A quoted name (`'negative mover'`), where a name has spaces. */
  | { type: 'string'; value: string; at?: Span }
  | { type: 'set'; items: Expr[]; at?: Span }
  /** `layers 6..9 heads *` */
  | { type: 'range'; layers: RangeSpec; heads: RangeSpec; at?: Span }
  /** `blocks.12.attn.hook_pattern[head=3, query=END, key=S2]` */
  | { type: 'site'; hook: string; index: { key: string; value: IndexValue }[]; at?: Span }
  | { type: 'call'; fn: string; args: Arg[]; at?: Span }
  | { type: 'compare'; op: CompareOp; left: Expr; right: Expr; tol?: Tolerance; at?: Span }
  | { type: 'logic'; op: 'and' | 'or'; args: Expr[]; at?: Span }
  | { type: 'not'; arg: Expr; at?: Span }
  | { type: 'neg'; arg: Expr; at?: Span };

/** A copy without offsets, for comparing ASTs. */
export function stripSpans(e: Expr): Expr {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === 'at' ? undefined : v))) as Expr;
}
