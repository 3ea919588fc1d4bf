/** Concrete syntax tree → typed AST (ast.ts). Checks what the grammar leaves open, such as `{12}` not being a head. */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Arg, CompareOp, Expr, IndexValue, RangeSpec, Span } from './ast.js';

export class AstError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type Children = Record<string, CstElement[] | undefined>;
const nodes = (c: Children, k: string): CstNode[] => (c[k] ?? []) as CstNode[];
const tokens = (c: Children, k: string): IToken[] => (c[k] ?? []) as IToken[];
const node = (c: Children, k: string): CstNode => nodes(c, k)[0];
const token = (c: Children, k: string): IToken | undefined => tokens(c, k)[0];

/** Spans are memoised: toAst asks for every node's, and walking each subtree afresh was quadratic in depth. */
const spans = new WeakMap<CstNode, Span>();

function spanOf(n: CstNode): Span {
  const known = spans.get(n);
  if (known) return known;
  let start = Infinity;
  let end = -Infinity;
  for (const list of Object.values(n.children)) {
    for (const e of list ?? []) {
      const s = 'image' in e ? { start: e.startOffset, end: e.startOffset + e.image.length } : spanOf(e);
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
    }
  }
  const span = { start, end };
  spans.set(n, span);
  return span;
}

function headLiteral(t: IToken): Expr {
  const m = /^([0-9]+)\.([0-9]+)$/.exec(t.image);
  if (!m) throw new AstError(`'${t.image}' is not a head: write heads as layer.head, like 9.9`, t.startOffset);
  return { type: 'head', layer: Number(m[1]), head: Number(m[2]), at: { start: t.startOffset, end: t.startOffset + t.image.length } };
}

function intOf(t: IToken): number {
  if (!/^[0-9]+$/.test(t.image)) throw new AstError(`expected a whole number, got '${t.image}'`, t.startOffset);
  return Number(t.image);
}

export function toAst(n: CstNode): Expr {
  const c = n.children as Children;
  const at = spanOf(n);
  switch (n.name) {
    case 'expression':
      return toAst(node(c, 'orExpr'));
    case 'orExpr':
    case 'andExpr': {
      const args = nodes(c, n.name === 'orExpr' ? 'andExpr' : 'notExpr').map(toAst);
      return args.length === 1 ? args[0] : { type: 'logic', op: n.name === 'orExpr' ? 'or' : 'and', args, at };
    }
    case 'notExpr':
      return token(c, 'Not') ? { type: 'not', arg: toAst(node(c, 'notExpr')), at } : toAst(node(c, 'comparison'));
    case 'comparison': {
      const [left, right] = nodes(c, 'unary').map(toAst);
      if (!right) return left;
      const opTok = ['EqEq', 'NotEq', 'LtEq', 'GtEq', 'Lt', 'Gt', 'In'].map((k) => token(c, k)).find((t) => t)!;
      const expr: Expr = { type: 'compare', op: opTok.image as CompareOp, left, right, at };
      const tol = token(c, 'NumberLit');
      if (tol) expr.tol = { value: Number(tol.image), raw: tol.image, percent: !!token(c, 'Percent') };
      return expr;
    }
    case 'unary':
      return token(c, 'Minus') ? { type: 'neg', arg: toAst(node(c, 'unary')), at } : toAst(node(c, 'primary'));
    case 'primary': {
      const str = token(c, 'StringLit');
      if (str) return stringOf(str);
      const inner = (['numberLit', 'set', 'range', 'site', 'callOrName', 'headsCall', 'expression'] as const)
        .map((k) => nodes(c, k)[0])
        .find((x) => x)!;
      return toAst(inner);
    }
    case 'numberLit': {
      const t = token(c, 'NumberLit')!;
      return { type: 'number', value: Number(t.image), raw: t.image, percent: !!token(c, 'Percent'), at };
    }
    case 'set': {
      const items = nodes(c, 'setItem').map((item): Expr => {
        const ic = item.children as Children;
        const num = token(ic, 'NumberLit');
        if (num) return headLiteral(num);
        const id = token(ic, 'Identifier');
        if (id) return { type: 'ident', name: id.image, at: spanOf(item) };
        const str = token(ic, 'StringLit');
        if (str) return stringOf(str);
        return toAst(node(ic, 'range'));
      });
      return { type: 'set', items, at };
    }
    case 'range': {
      const [layers, heads] = nodes(c, 'rangeSpec').map(rangeSpec);
      return { type: 'range', layers, heads, at };
    }
    case 'site': {
      const index = nodes(c, 'indexArg').map((a) => {
        const ac = a.children as Children;
        const [key, ident] = tokens(ac, 'Identifier');
        const num = token(ac, 'NumberLit');
        const value: IndexValue = num ? intOf(num) : ident ? ident.image : '*';
        return { key: key.image, value };
      });
      const expr: Expr = { type: 'site', hook: token(c, 'HookName')!.image, index, at };
      return expr;
    }
    case 'callOrName': {
      const name = token(c, 'Identifier')!.image;
      const list = nodes(c, 'argList')[0];
      return list ? { type: 'call', fn: name, args: argsOf(list), at } : { type: 'ident', name, at };
    }
    case 'headsCall':
      return { type: 'call', fn: 'heads', args: argsOf(node(c, 'argList')), at };
    default:
      throw new AstError(`internal: unknown rule ${n.name}`, at.start);
  }
}

function stringOf(t: IToken): Expr {
  return { type: 'string', value: t.image.slice(1, -1).replace(/\\(.)/g, '$1'), at: { start: t.startOffset, end: t.startOffset + t.image.length } };
}

function rangeSpec(n: CstNode): RangeSpec {
  const c = n.children as Children;
  if (token(c, 'Star')) return '*';
  const [from, to] = tokens(c, 'NumberLit').map(intOf);
  return { from, to: to ?? from };
}

function argsOf(list: CstNode): Arg[] {
  return nodes(list.children as Children, 'arg').map((a) => {
    const ac = a.children as Children;
    const name = token(ac, 'Identifier');
    const value = toAst(node(ac, 'expression'));
    return name ? { name: name.image, value } : { value };
  });
}
