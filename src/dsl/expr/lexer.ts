/** The expression language's tokens, declared once, in matching order. */
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const HookName = createToken({
  name: 'HookName',
  pattern: /(?:[A-Za-z_][A-Za-z0-9_]*\.)(?:(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)\.)*hook_[A-Za-z0-9_]+|hook_[A-Za-z0-9_]+/,
  label: 'a hook name',
});
/** Role names may carry an offset (`S1+1`); with several models, a metric or circuit names its model (`c@large`). */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*(?:\+[0-9]+)?(?:@[A-Za-z_][A-Za-z0-9_]*)?/, label: 'a name' });
const keyword = (name: string, word: string) =>
  createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
export const And = keyword('And', 'and');
export const Or = keyword('Or', 'or');
export const Not = keyword('Not', 'not');
export const In = keyword('In', 'in');
export const Layers = keyword('Layers', 'layers');
export const Heads = keyword('Heads', 'heads');
/** A quoted name, for names with spaces: role='negative mover'. */
export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/, label: 'a quoted name' });
export const NumberLit = createToken({ name: 'NumberLit', pattern: /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/, label: 'a number' });
export const Percent = createToken({ name: 'Percent', pattern: /%/, label: "'%'" });
export const PlusMinus = createToken({ name: 'PlusMinus', pattern: /±|\+-|\+\/-/, label: "'±'" });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, label: "'=='" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, label: "'!='" });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, label: "'<='" });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, label: "'>='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, label: "'>'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, label: "'..'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });

export const allTokens: TokenType[] = [
  WhiteSpace, HookName, And, Or, Not, In, Layers, Heads, Identifier, StringLit, NumberLit, Percent, PlusMinus,
  EqEq, NotEq, LtEq, GtEq, Lt, Gt, Equals, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, DotDot, Star, Minus,
];

export const KEYWORDS = ['and', 'or', 'not', 'in', 'layers', 'heads'];
export const exprLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: 'onlyOffset' });
