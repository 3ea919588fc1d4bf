/**
 * The 1000 Colored Objects prompts released with the paper (data/colored-objects, MIT) with their "mindiff"
 * partners (the same prompt asking about another object of the query). Roles are found by tokenising, then the
 * README's facts are asserted: 62 tokens, colours at 41/45/50, objects at 42/46/51, question object at 57, END 61,
 * clean and corrupted differing only at 57.
 */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { coCandidates, CO_ROLES, formatPrompt, parsePrompt } from './colored-objects-format.js';
import { coPrompt } from './colored-objects.js';
import type { Prompt, PromptSet } from './types.js';
import { readDataJson } from './vocab.js';

export const CO_PAPER_FILES = { clean: 'cobjs_data_42.json', corrupted: 'cobjs_mindiff_data_42.json' };
export const CO_PAPER_FACTS = {
  length: 62,
  roles: { colour1: 41, colour2: 45, colour3: 50, object1: 42, object2: 46, object3: 51, question_object: 57, END: 61 } as Record<string, number>,
};

export function loadColoredObjectsPaper(name: string, opts: { n?: number; offset?: number; prependBos?: boolean }, tokenizer: Tokenizer): PromptSet {
  const clean = readDataJson<[string, string][]>('colored-objects', CO_PAPER_FILES.clean);
  const mindiff = readDataJson<[string, string][]>('colored-objects', CO_PAPER_FILES.corrupted);
  const offset = opts.offset ?? 0;
  const n = opts.n ?? clean.length - offset;
  const prependBos = opts.prependBos ?? false;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(n) || n <= 0 || offset + n > clean.length) {
    throw new CircuitspecError(`task '${name}': offset ${offset} and n ${n} must select within the paper's ${clean.length} prompts`, { field: 'n' });
  }
  const prompts: Prompt[] = [];
  for (let i = offset; i < offset + n; i++) {
    const where = `${CO_PAPER_FILES.clean}[${i}]`;
    const [text, label] = clean[i];
    const [ctext, clabel] = mindiff[i];
    const a = parsePrompt(text, where);
    const b = parsePrompt(ctext, `${CO_PAPER_FILES.corrupted}[${i}]`);
    const [example, query] = a.examples;
    const corruptAsk = b.examples[1].asked;
    const p = coPrompt(tokenizer, `${name}#${i}`, example, query, corruptAsk, prependBos);
    if (p.text !== text || p.corrupted!.text !== ctext) throw new CircuitspecError(`${where}: the prompt does not round-trip through the Colored Objects format`);
    if (p.answer !== label || p.corrupted!.answer !== clabel) {
      throw new CircuitspecError(`${where}: label ${JSON.stringify(label)}/${JSON.stringify(clabel)} disagrees with the prompt's colours (${p.answer}/${p.corrupted!.answer})`);
    }
    assertFacts(p, where, prependBos ? 1 : 0);
    p.meta = { ...p.meta, index: i };
    prompts.push(p);
  }
  return {
    name, kind: 'colored-objects', prompts, roleNames: CO_ROLES.slice(), candidates: coCandidates(tokenizer),
    provenance: { dataset: 'colored-objects-paper', files: Object.values(CO_PAPER_FILES).map((f) => `data/colored-objects/${f}`), n, offset, prependBos, bosTokenId: tokenizer.bosTokenId },
  };
}

function assertFacts(p: Prompt, where: string, shift: number): void {
  const c = p.corrupted!;
  const fail = (what: string): never => {
    throw new CircuitspecError(`${where}: expected ${what} (the released data's documented token facts)`);
  };
  if (p.tokens.length !== CO_PAPER_FACTS.length + shift || c.tokens.length !== p.tokens.length) fail(`${CO_PAPER_FACTS.length} tokens`);
  for (const [role, pos] of Object.entries(CO_PAPER_FACTS.roles)) {
    if (p.roles[role] !== pos + shift || c.roles[role] !== pos + shift) fail(`role ${role} at ${pos}`);
  }
  const diff = p.tokens.flatMap((t, k) => (t !== c.tokens[k] ? [k] : []));
  if (diff.length !== 1 || diff[0] !== CO_PAPER_FACTS.roles.question_object + shift) fail('clean and corrupted to differ only at the question object');
}
