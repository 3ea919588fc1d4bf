/** A runtime without tensors: metric values come from a table, for testing the executor and reporters. */
import type { Circuit, MetricRequest, MetricValue } from '../../../src/runtime/experiments/types.js';
import type { Runtime, RuntimeModel } from '../../../src/runtime/executor/runtime.js';
import type { PromptSet } from '../../../src/runtime/tasks/types.js';

export interface FakeOptions {
  metric: (req: MetricRequest) => MetricValue;
  circuit?: (task: string) => Circuit;
  failModel?: boolean;
  calls?: string[];
}

export function fakeRuntime(o: FakeOptions): Runtime {
  const calls = o.calls ?? [];
  const model: RuntimeModel = {
    identity: { source: 'fake', weightHash: 'sha256:fake', processing: { foldLn: false }, backend: 'none' },
    config: { nLayers: 2, nHeads: 4 },
    dispose: () => calls.push('dispose'),
  };
  return {
    loadModel: async (source) => {
      calls.push(`load ${source}`);
      if (o.failModel) throw new Error('no weights');
      return model;
    },
    buildTask: (name) => {
      calls.push(`build ${name}`);
      return { name, kind: 'fake', prompts: [], roleNames: [], provenance: {} } satisfies PromptSet;
    },
    checkTask: (set) => void calls.push(`check ${set.name}`),
    createContext: () => ({}),
    addTask: () => {},
    warmRun: async (_ctx, task, side) => void calls.push(`${side} ${task}`),
    computeMetric: async (_ctx, req) => {
      calls.push(`metric ${req.kind}`);
      return o.metric(req);
    },
    computeMetrics: async (_ctx, reqs) => {
      calls.push(`metrics ${reqs.map((r) => r.kind).join(',')}`);
      return reqs.map(o.metric);
    },
    discoverCircuit: async (_ctx, task) => {
      calls.push(`circuit ${task}`);
      return o.circuit ? o.circuit(task) : { task, heads: [] };
    },
    dispose: () => calls.push('dispose'),
  };
}

export const scalar = (value: number, perPrompt?: number[]): MetricValue => ({ type: 'scalar', value, ...(perPrompt && { perPrompt }) });
export const table = (values: number[][]): MetricValue => ({ type: 'heads', nLayers: values.length, nHeads: values[0].length, values });
