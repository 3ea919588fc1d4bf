/**
 * The compact training vocabulary: the GPT-2 ids that occur in an organism's training prompts and answers.
 * Only these embedding rows are trained, plus one learned row that every other token of the exported 50257-row wte
 * shares (tied unembedding, no bias), so all untrained tokens have one logit; the training loss adds log(#untrained)
 * to it, which makes it exactly the full-vocabulary cross-entropy.
 */
import { CircuitspecError } from '../errors.js';

export class SubVocab {
  /** GPT-2 ids of the trained rows, ascending. */
  readonly ids: number[];
  private readonly index: Map<number, number>;

  constructor(ids: Iterable<number>, readonly fullSize: number) {
    this.ids = [...new Set(ids)].sort((a, b) => a - b);
    for (const id of this.ids) {
      if (!Number.isInteger(id) || id < 0 || id >= fullSize) throw new CircuitspecError(`token id ${id} is outside the vocabulary of ${fullSize}`);
    }
    this.index = new Map(this.ids.map((g, i) => [g, i]));
  }

  get size(): number {
    return this.ids.length;
  }

  /** The compact row standing for every untrained token. */
  get untrained(): number {
    return this.ids.length;
  }

  /** log(number of untrained tokens): added to the shared logit, it makes the loss the full-vocabulary one. */
  get untrainedLogit(): number {
    return Math.log(this.fullSize - this.ids.length);
  }

  has(id: number): boolean {
    return this.index.has(id);
  }

  /** Compact row of a GPT-2 id; `strict` throws for a token outside the trained rows (training data must be covered). */
  compact(id: number, strict: boolean, where = 'prompt'): number {
    const i = this.index.get(id);
    if (i !== undefined) return i;
    if (strict) throw new CircuitspecError(`${where}: token ${id} is not in the organism's trained vocabulary`);
    return this.untrained;
  }
}
