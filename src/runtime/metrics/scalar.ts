/** Per-prompt values → a scalar MetricValue (the mean), keeping the per-prompt values. */
import type { MetricValue } from '../experiments/types.js';

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

export function scalar(perPrompt: number[]): MetricValue {
  return { type: 'scalar', value: mean(perPrompt), perPrompt };
}

export function headTable(values: number[][]): MetricValue {
  return { type: 'heads', nLayers: values.length, nHeads: values[0]?.length ?? 0, values };
}
