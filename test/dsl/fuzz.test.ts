// Fuzzing the compiler with the repository's own specs, mutated: whatever the text becomes, compiling and planning
// it either works or fails with one CircuitspecError (never a raw TypeError, a stack overflow or a hang).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../src/cli/commands/plan.js';
import { compileText } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';
import { selectClaims } from '../../src/plan/select.js';

const root = join(import.meta.dirname, '../..');
const specFiles = ['specs/organisms', 'specs/paper'].flatMap((d) =>
  readdirSync(join(root, d)).filter((f) => f.endsWith('.spec.yaml')).map((f) => join(root, d, f)),
);
const specs = specFiles.map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** Words worth dropping into a spec: its own names (so references cross), YAML specials, and extremes. */
const WORDS = [
  ...new Set(specs.flatMap((s) => s.text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter((w) => w.length > 2)),
].slice(0, 400);
const SPECIAL = [
  '', '{}', '[]', '~', 'null', '*a', '&a x', '!!binary x', '"', "'", ':', '- ', '{', '}', '(', ')', '1000000000', '9007199254740993',
  '-1', '0', '1e308', '.nan', '99.99', '{1.0, 99.0}', 'layers 0..999 heads *', 'top(pp, 1000)', '('.repeat(300), 'not '.repeat(300),
  '\t', '\u0000', '\u202e', 'é', '%', '±', '..', 'blocks.99.attn.hook_z', 'END', 'S2',
];

type Mutation =
  | { op: 'delete' | 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  | { op: 'number'; k: number; value: string }
  | { op: 'word'; k: number; value: string }
  | { op: 'insert'; at: number; value: string }
  | { op: 'truncate'; at: number };

const value = fc.oneof(fc.constantFrom(...SPECIAL), fc.constantFrom(...WORDS), fc.string({ maxLength: 12 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('number' as const), k: fc.nat(), value: fc.oneof(fc.integer({ min: -3, max: 2000 }).map(String), fc.constantFrom(...SPECIAL)) }),
  fc.record({ op: fc.constant('word' as const), k: fc.nat(), value }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Replaces the k-th (mod count) match of `re` with `value`. */
function replaceNth(text: string, re: RegExp, k: number, value: string): string {
  const hits = [...text.matchAll(re)];
  if (!hits.length) return text;
  const m = hits[k % hits.length];
  return text.slice(0, m.index) + value + text.slice(m.index! + m[0].length);
}

export function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const at = (i: number) => i % lines.length;
  switch (m.op) {
    case 'delete': lines.splice(at(m.line), 1); return lines.join('\n');
    case 'duplicate': lines.splice(at(m.line), 0, lines[at(m.line)]); return lines.join('\n');
    case 'swap': {
      const [a, b] = [at(m.line), at(m.other)];
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'number': return replaceNth(text, /\b\d+(\.\d+)?\b/g, m.k, m.value);
    case 'word': return replaceNth(text, /[A-Za-z_][A-Za-z0-9_]*/g, m.k, m.value);
    case 'insert': { const i = m.at % (text.length + 1); return text.slice(0, i) + m.value + text.slice(i); }
    case 'truncate': return text.slice(0, m.at % (text.length + 1));
  }
}

describe('compiler fuzzing over mutated specs/', () => {
  it('compiles and plans every mutation or fails with a CircuitspecError, each within 5 s', async () => {
    let compiled = 0, rejected = 0, slowest = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: specs.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (which, ms) => {
        // Yield between cases: a minute of synchronous work would starve vitest's worker RPC.
        await new Promise((r) => setImmediate(r));
        const { file, text } = specs[which];
        const mutated = ms.reduce(mutate, text);
        const t0 = performance.now();
        try {
          const plan = compileText(file, mutated);
          expect(formatPlan(selectClaims(plan, {}).plan)).toContain('estimate:');
          JSON.stringify(plan); // a plan is plain data
          compiled++;
        } catch (e) {
          if (!(e instanceof CircuitspecError)) throw new Error(`raw ${(e as Error).name}: ${(e as Error).message}\n--- mutated spec ---\n${mutated}`);
          expect(e.format()).not.toMatch(/\n\s+at /);
          rejected++;
        }
        const ms_ = performance.now() - t0;
        slowest = Math.max(slowest, ms_);
        expect(ms_).toBeLessThan(5000);
      }),
      { seed: 13, numRuns: 2000 },
    );
    // Both outcomes must be exercised, or the mutations are too weak (or too strong) to test anything.
    expect(compiled).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
    expect(slowest).toBeLessThan(5000);
  });
});
