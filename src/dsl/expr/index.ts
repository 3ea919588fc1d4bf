/** parseExpr: text → AST, with errors at the offending character. */
import { CircuitspecError } from '../../errors.js';
import type { Expr } from './ast.js';
import { exprLexer } from './lexer.js';
import { exprParser } from './parser.js';
import { AstError, toAst } from './to-ast.js';

export type { Expr } from './ast.js';
export { printExpr } from './print.js';
export { stripSpans } from './ast.js';

/** Where an expression sits, so an offset inside it can become a file position. */
export interface ExprOrigin {
  /** Maps an offset in the expression to a located error. */
  error(message: string, offset: number): CircuitspecError;
}

export const plainOrigin = (text: string, field?: string): ExprOrigin => ({
  error: (message, offset) =>
    new CircuitspecError(`${message}\n  ${text}\n  ${' '.repeat(Math.max(0, Math.min(offset, text.length)))}^`, { field, column: offset + 1 }),
});

export function parseExpr(text: string, origin: ExprOrigin = plainOrigin(text)): Expr {
  if (typeof text !== 'string') throw origin.error('expected an expression', 0);
  const lexed = exprLexer.tokenize(text);
  const lexErr = lexed.errors[0];
  if (lexErr) throw origin.error(`unexpected character '${text[lexErr.offset]}'`, lexErr.offset);
  if (lexed.tokens.length === 0) throw origin.error('empty expression', 0);
  exprParser.input = lexed.tokens;
  const cst = exprParser.expression();
  const parseErr = exprParser.errors[0];
  if (parseErr) {
    const off = Number.isFinite(parseErr.token.startOffset) ? parseErr.token.startOffset : text.length;
    throw origin.error(parseErr.message, off);
  }
  try {
    return toAst(cst);
  } catch (e) {
    if (e instanceof AstError) throw origin.error(e.message, e.offset);
    throw e;
  }
}
