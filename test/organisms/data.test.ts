// Organism training data: held-out name pairs and template never reach training, and training batches only hold
// tokens whose embedding rows are trained.
import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from '../../src/runtime/tokenizer/index.js';
import { ioiNames } from '../../src/runtime/tasks/index.js';
import { colourTargets, drawColoredObjects, drawIoi, isHeldOutPair, toBatch } from '../../src/organisms/data.js';
import { RECIPES, heldTemplateIds, trainTemplateIds } from '../../src/organisms/recipes.js';
import { trainingVocab } from '../../src/organisms/training-vocab.js';
import { SubVocab } from '../../src/organisms/vocab.js';

const tok = gpt2Tokenizer();
const recipe = RECIPES['ioi-s'];

describe('organism data', () => {
  it('holds out about 10% of unordered name pairs, symmetrically', () => {
    const names = ioiNames('all');
    let held = 0;
    let total = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        total++;
        if (isHeldOutPair(names[i], names[j])) held++;
        expect(isHeldOutPair(names[i], names[j])).toBe(isHeldOutPair(names[j], names[i]));
      }
    }
    expect(held / total).toBeGreaterThan(0.07);
    expect(held / total).toBeLessThan(0.13);
  });

  it('draws training prompts only from training pairs and templates', () => {
    const train = new Set(trainTemplateIds(recipe));
    for (const p of drawIoi(tok, 300, 5, { templateIds: trainTemplateIds(recipe), pairs: 'train' })) {
      expect(isHeldOutPair(String(p.meta!.io), String(p.meta!.s))).toBe(false);
      expect(train.has(Number(p.meta!.template))).toBe(true);
    }
    for (const p of drawIoi(tok, 50, 6, { templateIds: heldTemplateIds(recipe), pairs: 'heldout' })) {
      expect(isHeldOutPair(String(p.meta!.io), String(p.meta!.s))).toBe(true);
      expect(train.has(Number(p.meta!.template))).toBe(false);
    }
  });

  it('covers every training token with a trained row, and refuses others in strict mode', () => {
    const vocab = trainingVocab(recipe, tok);
    const prompts = drawIoi(tok, 200, 9, { templateIds: trainTemplateIds(recipe), pairs: 'train' });
    const b = toBatch(prompts, vocab, true);
    expect(b.n).toBe(200);
    expect(Array.from(b.answer).every((a) => a < vocab.size)).toBe(true);
    const tiny = new SubVocab([11, 13], 50257);
    expect(() => toBatch(prompts.slice(0, 1), tiny, true)).toThrow(/not in the organism's trained vocabulary/);
    expect(tiny.untrainedLogit).toBeCloseTo(Math.log(50255));
  });

  it('targets each listed object at its own colour and the question at the asked object', () => {
    const vocab = trainingVocab(RECIPES['ioi-cobj-s'], tok);
    const prompts = drawColoredObjects(tok, 40, 3);
    const b = toBatch(prompts, vocab, true);
    const t = colourTargets(prompts, b);
    expect(t.objects.rows.length).toBe(3 * prompts.length);
    prompts.forEach((p, i) => {
      const asked = (p.meta as { asked: number }).asked;
      for (let k = 0; k < 3; k++) {
        const word = tok.decode([p.tokens[p.roles[`colour${k + 1}`]]]).trim(); // " blue" → answer form " Blue"
        expect(t.objects.rows[3 * i + k]).toBe(i * b.P + p.roles[`object${k + 1}`]);
        expect(vocab.ids[t.objects.targets[3 * i + k]]).toBe(tok.encode(` ${word[0].toUpperCase()}${word.slice(1)}`)[0]);
      }
      expect(t.question.rows[i]).toBe(i * b.P + p.roles.question_object);
      expect(t.question.targets[i]).toBe(b.answer[i]);
      expect(t.lookup.rows[i]).toBe(i * b.P + p.roles.question_object);
      expect(t.lookup.keys[i]).toBe(p.roles[`object${asked + 1}`]);
      expect(p.tokens[t.lookup.keys[i]]).toBe(p.tokens[p.roles.question_object]);
    });
  });
});
