/** AST → expression text. `parse(print(ast))` gives `ast` back (property-tested). */
import type { Expr, RangeSpec } from './ast.js';

// Binding strength: a child weaker than its slot needs parentheses.
const PREC = { or: 1, and: 2, not: 3, compare: 4, neg: 5, primary: 6 } as const;

function precOf(e: Expr): number {
  switch (e.type) {
    case 'logic': return PREC[e.op];
    case 'not': return PREC.not;
    case 'compare': return PREC.compare;
    case 'neg': return PREC.neg;
    default: return PREC.primary;
  }
}

function wrap(e: Expr, min: number): string {
  const s = printExpr(e);
  return precOf(e) < min ? `(${s})` : s;
}

const range = (r: RangeSpec): string => (r === '*' ? '*' : r.from === r.to ? `${r.from}` : `${r.from}..${r.to}`);

export function printExpr(e: Expr): string {
  switch (e.type) {
    case 'number': return `${e.raw}${e.percent ? '%' : ''}`;
    case 'head': return `${e.layer}.${e.head}`;
    case 'ident': return e.name;
    case 'string': return `'${e.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'set': return `{${e.items.map(printExpr).join(', ')}}`;
    case 'range': return `layers ${range(e.layers)} heads ${range(e.heads)}`;
    case 'site': return e.index.length ? `${e.hook}[${e.index.map((i) => `${i.key}=${i.value}`).join(', ')}]` : e.hook;
    case 'call': return `${e.fn}(${e.args.map((a) => (a.name ? `${a.name}=` : '') + printExpr(a.value)).join(', ')})`;
    case 'compare': {
      const tol = e.tol ? ` ± ${e.tol.raw}${e.tol.percent ? '%' : ''}` : '';
      return `${wrap(e.left, PREC.neg)} ${e.op} ${wrap(e.right, PREC.neg)}${tol}`;
    }
    // Children of the same operator are parenthesised: the parser builds flat lists, so nesting came from parens.
    case 'logic': return e.args.map((a) => wrap(a, PREC[e.op] + 1)).join(` ${e.op} `);
    case 'not': return `not ${wrap(e.arg, PREC.not)}`;
    case 'neg': return `-${wrap(e.arg, PREC.neg)}`;
  }
}
