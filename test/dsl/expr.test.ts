import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../src/errors.js';
import type { Expr, RangeSpec } from '../../src/dsl/expr/ast.js';
import { parseExpr, printExpr, stripSpans } from '../../src/dsl/expr/index.js';
import { KEYWORDS } from '../../src/dsl/expr/lexer.js';

const parse = (s: string) => stripSpans(parseExpr(s));

describe('expression grammar', () => {
  it('parses comparisons with absolute and relative tolerance', () => {
    expect(parse('accuracy(cobj) == 0.496 ± 0.02')).toEqual({
      type: 'compare', op: '==',
      left: { type: 'call', fn: 'accuracy', args: [{ value: { type: 'ident', name: 'cobj' } }] },
      right: { type: 'number', value: 0.496, raw: '0.496', percent: false },
      tol: { value: 0.02, raw: '0.02', percent: false },
    });
    const rel = parse('acc == 93.7% +- 5%') as Extract<Expr, { type: 'compare' }>;
    expect(rel.right).toMatchObject({ value: 93.7, percent: true });
    expect(rel.tol).toEqual({ value: 5, raw: '5', percent: true });
  });

  it('parses head sets, ranges and set relations', () => {
    expect(parse('{15.14, 16.15} <= top(path_patch(ioi, to=logits), 8)')).toMatchObject({
      type: 'compare', op: '<=',
      left: { type: 'set', items: [{ type: 'head', layer: 15, head: 14 }, { type: 'head', layer: 16, head: 15 }] },
      right: { type: 'call', fn: 'top', args: [{ value: { type: 'call', fn: 'path_patch', args: [{}, { name: 'to', value: { type: 'ident', name: 'logits' } }] } }, { value: { type: 'number', value: 8 } }] },
    });
    expect(parse('layers 6..9 heads *')).toEqual({ type: 'range', layers: { from: 6, to: 9 }, heads: '*' });
    expect(parse('{layers 3 heads 0..2, 13.10}')).toEqual({
      type: 'set', items: [{ type: 'range', layers: { from: 3, to: 3 }, heads: { from: 0, to: 2 } }, { type: 'head', layer: 13, head: 10 }],
    });
    expect(parse('9.9 in heads(c, role=mover)')).toMatchObject({ type: 'compare', op: 'in', left: { type: 'number', raw: '9.9' }, right: { type: 'call', fn: 'heads' } });
  });

  it('parses hook sites with index parts and role names with offsets', () => {
    expect(parse('blocks.12.attn.hook_pattern[head=3, query=END, key=S2]')).toEqual({
      type: 'site', hook: 'blocks.12.attn.hook_pattern', index: [{ key: 'head', value: 3 }, { key: 'query', value: 'END' }, { key: 'key', value: 'S2' }],
    });
    expect(parse('ln_final.hook_scale')).toEqual({ type: 'site', hook: 'ln_final.hook_scale', index: [] });
    expect(parse('S1+1')).toEqual({ type: 'ident', name: 'S1+1' });
    expect(parse(`heads(c, role='negative mover')`)).toMatchObject({ args: [{}, { name: 'role', value: { type: 'string', value: 'negative mover' } }] });
    expect(parse(`"it's"`)).toEqual({ type: 'string', value: "it's" });
  });

  it('gives and/or/not the usual precedence', () => {
    const e = parse('not a > 1 and b < 2 or c == 3') as Extract<Expr, { type: 'logic' }>;
    expect(e.op).toBe('or');
    expect(e.args[0]).toMatchObject({ type: 'logic', op: 'and', args: [{ type: 'not' }, { type: 'compare' }] });
  });

  it('points errors at the offending character', () => {
    const at = (s: string) => {
      try {
        parseExpr(s);
      } catch (e) {
        expect(e).toBeInstanceOf(CircuitspecError);
        return (e as CircuitspecError).location.column;
      }
      throw new Error('no error');
    };
    expect(at('accuracy(cobj')).toBe(14);
    expect(at('a == = b')).toBe(6);
    expect(at('x $ 3')).toBe(3);
    expect(at('{12}')).toBe(2);
    expect(() => parseExpr('accuracy(cobj')).toThrow(/expected '\)' but found end of expression/);
  });
});

// ASTs the printer can write: names avoid keywords; numbers carry their own raw text.
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((s) => !KEYWORDS.includes(s) && !s.startsWith('hook_'));
const roleName = fc.oneof(name, fc.constantFrom('S1+1', 'END', 'IO'));
const raw = fc.oneof(fc.nat(999).map(String), fc.tuple(fc.nat(99), fc.nat(99)).map(([a, b]) => `${a}.${b}`));
const num: fc.Arbitrary<Expr> = fc.tuple(raw, fc.boolean()).map(([r, percent]) => ({ type: 'number', value: Number(r), raw: r, percent }));
const head: fc.Arbitrary<Expr> = fc.tuple(fc.nat(40), fc.nat(40)).map(([layer, h]) => ({ type: 'head', layer, head: h }));
const spec: fc.Arbitrary<RangeSpec> = fc.oneof(fc.constant('*' as const), fc.tuple(fc.nat(30), fc.nat(30)).map(([a, b]) => ({ from: a, to: a + b })));
const range: fc.Arbitrary<Expr> = fc.tuple(spec, spec).map(([layers, heads]) => ({ type: 'range', layers, heads }));
const ident: fc.Arbitrary<Expr> = roleName.map((n) => ({ type: 'ident', name: n }));
const str: fc.Arbitrary<Expr> = fc.string({ maxLength: 8 }).filter((v) => !v.includes('\n')).map((value) => ({ type: 'string', value }));
const set: fc.Arbitrary<Expr> = fc.array(fc.oneof(head, range, ident, str), { maxLength: 4 }).map((items) => ({ type: 'set', items }));
const site: fc.Arbitrary<Expr> = fc.tuple(
  fc.constantFrom('hook_embed', 'blocks.3.attn.hook_z', 'blocks.12.attn.hook_pattern', 'ln_final.hook_scale'),
  fc.array(fc.tuple(name, fc.oneof(fc.nat(20), roleName, fc.constant('*'))), { maxLength: 3 }),
).map(([hook, idx]) => ({ type: 'site', hook, index: idx.map(([key, value]) => ({ key, value })) }));

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    num, head.map((h): Expr => ({ type: 'set', items: [h] })), ident, str, set, range, site,
    fc.tuple(name, fc.array(fc.tuple(fc.option(name, { nil: undefined }), tie('expr')), { maxLength: 3 })).map(([fn, args]): Expr => ({
      type: 'call', fn, args: args.map(([n, value]) => (n ? { name: n, value } : { value })),
    })),
    fc.tuple(fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'in' as const), tie('expr'), tie('expr'), fc.option(fc.tuple(raw, fc.boolean()), { nil: undefined }))
      .map(([op, left, right, tol]): Expr => ({ type: 'compare', op, left, right, ...(tol && { tol: { value: Number(tol[0]), raw: tol[0], percent: tol[1] } }) })),
    fc.tuple(fc.constantFrom('and', 'or' as const), fc.array(tie('expr'), { minLength: 2, maxLength: 3 })).map(([op, args]): Expr => ({ type: 'logic', op, args })),
    tie('expr').map((arg): Expr => ({ type: 'not', arg })),
    tie('expr').map((arg): Expr => ({ type: 'neg', arg })),
  ),
}));

describe('expression printer (property tests)', () => {
  it('parse(print(ast)) == ast', () => {
    fc.assert(
      fc.property(expr, (ast) => {
        const printed = printExpr(ast);
        expect(stripSpans(parseExpr(printed))).toEqual(ast);
      }),
      { numRuns: 400 },
    );
  });

  it('random junk only ever throws CircuitspecError', () => {
    const alphabet = fc.constantFrom(...'abcS1.9{}[](),=<>!±+-*%_ \t'.split(''), 'and', 'or', 'not', 'in', 'layers', 'heads', 'hook_z', '..', '==');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 20 }).map((a) => a.join(''))), (s) => {
        try {
          parseExpr(s);
        } catch (e) {
          expect(e).toBeInstanceOf(CircuitspecError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

