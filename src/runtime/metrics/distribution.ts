/** A random control's values (one per sample) → a distribution MetricValue: mean and sample standard deviation. */
import type { Control, Intervention, MetricValue } from '../experiments/types.js';
import { mean } from './scalar.js';

/** Sample standard deviation (n − 1 in the denominator); 0 for a single sample. */
export function sampleSd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The heads an intervention edits, as 'layer.head' (a hook's layer from its name). */
export function interventionHeads(iv: Intervention): string[] {
  if (iv.type === 'attention_override' || iv.type === 'attention_block') return iv.heads.map((h) => `${h.layer}.${h.head}`);
  const layer = /^blocks\.(\d+)\./.exec(iv.hook)?.[1];
  return layer === undefined ? [] : (iv.heads ?? []).map((h) => `${layer}.${h}`);
}

export function distribution(values: number[], control: Control): MetricValue {
  const heads = control.samples.map((s) => s.flatMap(interventionHeads));
  // Samples that all agree (accuracy often does) have sd exactly 0, not a rounding residue that makes z huge.
  if (values.every((x) => x === values[0])) return { type: 'distribution', values, mean: values[0], sd: 0, heads };
  return { type: 'distribution', values, mean: mean(values), sd: sampleSd(values), heads };
}
