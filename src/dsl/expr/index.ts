/** parseExpr: text → AST, with errors at the offending character. */
import type { IToken } from 'chevrotain';
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

/**
 * The parser and the AST walkers recurse once per nesting level, so a pathological expression (hundreds of
 * parentheses, `not not not …`) would overflow the stack: refuse it with a located error first.
 */
export const MAX_NESTING = 32;
const OPEN = new Set(['LParen', 'LBrace', 'LBracket']);
const CLOSE = new Set(['RParen', 'RBrace', 'RBracket']);
const PREFIX = new Set(['Not', 'Minus']);

function checkNesting(tokens: IToken[], origin: ExprOrigin): void {
  let depth = 0, prefixRun = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (OPEN.has(name)) depth++;
    else if (CLOSE.has(name)) depth = Math.max(0, depth - 1);
    prefixRun = PREFIX.has(name) ? prefixRun + 1 : 0;
    if (depth > MAX_NESTING || prefixRun > MAX_NESTING) {
      throw origin.error(`expression nested more than ${MAX_NESTING} levels deep`, t.startOffset);
    }
  }
}

export function parseExpr(text: string, origin: ExprOrigin = plainOrigin(text)): Expr {
  if (typeof text !== 'string') throw origin.error('expected an expression', 0);
  const lexed = exprLexer.tokenize(text);
  const lexErr = lexed.errors[0];
  if (lexErr) throw origin.error(`unexpected character '${text[lexErr.offset]}'`, lexErr.offset);
  if (lexed.tokens.length === 0) throw origin.error('empty expression', 0);
  checkNesting(lexed.tokens, origin);
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
