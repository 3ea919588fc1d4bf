/**
 * The spec format, written once. `Spec` (the TypeScript type) is derived from it by `FromSchema`, and
 * `schema/spec.schema.json` is generated from it by `gen-schema.ts` (a test checks the checked-in copy is current).
 *
 * `x-expr` marks fields parsed by the expression language: the YAML loader hands them over as their source text
 * (so `heads: 13.10` stays "13.10" instead of becoming the number 13.1, and `heads: {12.3, 13.13}` is not a map).
 */
import type { FromSchema } from './from-schema.js';

const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const text = (description: string) => ({ type: 'string', description }) as const;
const expr = (kind: 'heads' | 'site' | 'assert', description: string) =>
  ({ type: 'string', 'x-expr': kind, description }) as const;
// Above 2^53 a YAML integer is no longer exact (the seed would silently change).
const int = (description: string, minimum = 0) => ({ type: 'integer', minimum, maximum: Number.MAX_SAFE_INTEGER, description }) as const;
const roleList = (description: string) => ({ type: 'array', items: { type: 'string' }, description }) as const;
const namedMap = <S>(description: string, value: S) =>
  ({ type: 'object', description, propertyNames: { pattern: NAME_PATTERN }, additionalProperties: value }) as const;
const withList = {
  description: 'Interventions (by name) applied while measuring',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
} as const;
const runSide = {
  enum: ['clean', 'corrupted'],
  description: "Read the metric on the task's clean prompts (default) or its corrupted ones (answers, distractors and role positions stay the clean prompt's); `with` edits this run",
} as const;
const descr = text('What this is, for reports');
/** With `models:`, which of them a task, intervention, metric or circuit runs on (default: every model). */
const on = {
  description: "With several models (`models:`): the model, or models, this runs on (default: every one); claims name a metric or circuit on one of them as name@model",
  oneOf: [{ type: 'string', pattern: NAME_PATTERN }, { type: 'array', items: { type: 'string', pattern: NAME_PATTERN }, minItems: 1 }],
} as const;
const senders = {
  description: "Sender role positions (default: END for logits receivers, else all), or 'all': every position",
  oneOf: [{ const: 'all' }, { type: 'array', items: { type: 'string' } }],
} as const;
const prependBos = { type: 'boolean', description: 'Prepend the BOS token to every prompt (default false)' } as const;

const task = {
  type: 'object',
  description: 'A named prompt set',
  discriminator: { propertyName: 'source' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'n'],
      properties: {
        source: { const: 'ioi', description: 'Indirect-object-identification prompts (Wang et al.)' },
        n: int('Number of prompts', 1),
        seed: int('Generator seed (default: derived from the spec seed and the task name)'),
        templates: { enum: ['BABA', 'ABBA', 'mixed', 'all'], description: 'Template family' },
        templateIds: { type: 'array', items: { type: 'integer', minimum: 0 }, description: 'Only these templates' },
        corruption: { enum: ['s2_io_flip', 'abc'], description: 'How the corrupted partner is made' },
        names: { enum: ['all', 'train', 'heldout'], description: 'Which names to draw from' },
        prependBos,
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'n'],
      properties: {
        source: { const: 'colored-objects', description: 'Generated Colored Objects prompts (paper format)' },
        n: int('Number of prompts', 1),
        seed: int('Generator seed (default: derived from the spec seed and the task name)'),
        corruption: { enum: ['question_object'], description: 'How the corrupted partner is made' },
        prependBos,
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'n'],
      properties: {
        source: { const: 'greater_than', description: 'Greater-Than prompts, "The war lasted from the year 17YY to the year 17" (Hanna et al. 2023)' },
        n: int('Number of prompts', 1),
        seed: int('Generator seed (default: derived from the spec seed and the task name)'),
        corruption: { enum: ['year_01'], description: "The corrupted partner: the start year 1701 (Hanna et al.'s 01 baseline)" },
        prependBos,
        on, description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['source'],
      properties: {
        source: { const: 'colored-objects-paper', description: "The paper's released Colored Objects prompts" },
        n: int('Number of prompts (default: all)', 1),
        offset: int('Skip this many prompts first'),
        prependBos,
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'path'],
      properties: {
        source: { const: 'jsonl', description: 'Prompts from a JSONL file' },
        path: text("JSONL file, relative to the spec's folder"),
        prependBos,
        on,
        description: descr,
      },
    },
  ],
} as const;

const headsExpr = expr('heads', "Heads: '9.9', '{12.3, 13.13}', 'layers 6..9 heads *'");
const interventionHeads = expr('heads',
  "Heads: '9.9', '{12.3, 13.13}', 'layers 6..9 heads *'; or a random control, the intervention on random head sets: "
  + "'random(3, from=layers 8..13 heads *, exclude={11.6, 11.7}, samples=20, seed=1)' (from: default every head; seed: default from the spec's)");
const siteExpr = expr('site', "A hook site: 'blocks.12.attn.hook_z[head=3, pos=END]'");
const headHook = {
  enum: ['z', 'q', 'k', 'v', 'result', 'pattern', 'attn_scores'],
  description: 'Which per-head activation `heads` refers to (default z)',
} as const;

const intervention = {
  type: 'object',
  description: 'A named intervention, applied by metrics through `with:`',
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: 'patch', description: "Activation patching from the other run" },
        site: siteExpr,
        heads: interventionHeads,
        hook: headHook,
        positions: roleList('Role positions to patch (default: all)'),
        from: { enum: ['corrupted', 'clean'], description: 'Source run (default corrupted)' },
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'method'],
      properties: {
        type: { const: 'ablate', description: 'Ablation' },
        method: { enum: ['zero', 'mean', 'resample'], description: 'Replacement value' },
        site: siteExpr,
        heads: interventionHeads,
        hook: headHook,
        positions: roleList('Role positions to ablate (default: all)'),
        seed: int('Seed for resampling'),
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'heads', 'query', 'keys'],
      properties: {
        type: { const: 'attention_override', description: "Set heads' attention at a query role" },
        heads: interventionHeads,
        query: text('Query role (e.g. END)'),
        keys: {
          type: 'object',
          description: 'Key role → attention weight (weights sum to 1)',
          additionalProperties: { type: 'number', minimum: 0 },
        },
        on,
        description: descr,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'heads', 'query', 'keys'],
      properties: {
        type: { const: 'attention_block', description: "Block heads' attention from a query role to key roles (weights set to 0)" },
        heads: interventionHeads,
        query: text('Query role (e.g. END)'),
        keys: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Key roles whose attention weight becomes 0' },
        renormalize: { type: 'boolean', description: "Divide the query row's remaining weights by their sum, so it sums to 1 again (default true)" },
        on, description: descr,
      },
    },
  ],
} as const;

const taskRef = text('Task name');
const receiverSchema = {
  description: "'logits', heads' q/k/v input or z output at role positions, or a residual-stream hook at role positions",
  oneOf: [
    { const: 'logits' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['heads', 'input', 'positions'],
      properties: {
        heads: expr('heads', 'Receiver heads, or an earlier stage by name'),
        input: { enum: ['q', 'k', 'v', 'z'], description: 'Which input of the receivers (z: the head output before W_O)' },
        positions: roleList('Receiver role positions'),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['hook', 'positions'],
      properties: {
        hook: { type: 'string', pattern: '^blocks\\.[0-9]+\\.hook_resid_(pre|mid|post)$', description: "A residual-stream hook, e.g. 'blocks.23.hook_resid_post'" },
        positions: roleList('Receiver role positions'),
      },
    },
  ],
} as const;

/** How path patching scores senders; the same fields set spec-wide defaults under `pathPatching:`. */
const pathPatchingRules = {
  sendersBelowReceivers: { type: 'boolean', description: "Only senders in layers below the lowest receiver head's layer (Merullo et al.)" },
  excludeReceivers: { type: 'boolean', description: 'A receiver head is never a sender (Merullo et al.)' },
  normalization: {
    enum: ['relative_clean', 'gap_percent'],
    description: 'relative_clean: (patched − clean) / clean logit difference (Wang et al.); gap_percent: −100·(patched − clean)/(corrupted − clean), per batch, averaged (Merullo et al.)',
  },
} as const;

const metric = {
  type: 'object',
  description: 'A named measurement',
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'logit_diff', description: 'Answer minus distractor logit at END' },
        task: taskRef,
        versus: { enum: ['distractor', 'mean_others', 'max_others'], description: 'What the answer is compared to' },
        with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'accuracy', description: 'Fraction of prompts whose top token is the answer' },
        task: taskRef,
        over: { enum: ['vocab', 'candidates', 'distractors'], description: "Argmax over the vocabulary (default), the task's candidate set, or the answer and its prompt's distractors" },
        with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'answer_prob', description: 'Probability of the answer token' },
        task: taskRef, with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'prob_diff', description: "P(answers) − P(distractors) at END (greater_than: P(year > YY) − P(year ≤ YY))" },
        task: taskRef, with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'attention', description: 'Attention of a head from one role to another' },
        task: taskRef,
        head: expr('heads', "One head, e.g. '12.3', or a head set: their mean attention"),
        from: text('Query role'),
        to: { description: 'Key role, or several: the attention to all of them (summed)', oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
        site: expr('site', "Or a site: 'blocks.12.attn.hook_pattern[head=3, query=END, key=S2]'"),
        with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'dla', description: 'Direct logit attribution of every head' },
        task: taskRef, with: withList, run: runSide, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task', 'with'],
      properties: {
        kind: { const: 'patching_score', description: '(patched − clean) / (corrupted − clean)' },
        task: taskRef, with: withList, on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'task'],
      properties: {
        kind: { const: 'path_patch', description: 'Path-patching score of every sender head' },
        task: taskRef,
        to: receiverSchema,
        senders,
        freezeMlps: { type: 'boolean', description: 'Freeze MLPs to the clean run too' },
        ...pathPatchingRules,
        on, description: descr,
      },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'score'],
      properties: {
        kind: { const: 'head_scores', description: 'Head-role scores on repeated random tokens, or on given token sequences' },
        score: { enum: ['previous_token', 'duplicate_token', 'induction'], description: 'Which score' },
        seqLen: int('Length of the random sequence', 2),
        n: int('Number of sequences (with sequences: the first n; default all)', 1),
        seed: int('Seed'),
        tokensFrom: { type: 'string', description: "Draw the random tokens from this task's prompts (for models trained on a narrow vocabulary)" },
        sequences: text("Score given sequences instead of random ones: a task's prompt tokens (its name) or a JSONL file of token ids (relative to the spec's folder)"),
        on, description: descr,
      },
    },
  ],
} as const;

const stage = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN, description: 'Stage name (later stages may use it as receivers)' },
    role: text('Role given to the heads kept (mover, inhibition, …)'),
    receiver: receiverSchema,
    senders,
    top: {
      description: 'Keep the top k heads (an integer) or the top p% (a string like "2%")',
      oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?%$' }],
    },
    threshold: { type: 'number', description: 'Keep heads whose signed score is at least this' },
    sign: { enum: ['positive', 'negative', 'abs'], description: 'Which direction of effect counts (default abs)' },
    freezeMlps: { type: 'boolean', description: 'Freeze MLPs to the clean run too' },
    ...pathPatchingRules,
    description: descr,
  },
} as const;

const circuit = {
  type: 'object',
  additionalProperties: false,
  description: 'Discovered by stages of path patching on a task, or declared as heads per role',
  properties: {
    task: taskRef,
    stages: { type: 'array', items: stage, minItems: 1, description: 'Path-patching stages, in order' },
    heads: { type: 'object', description: 'Declared heads: role → heads', additionalProperties: headsExpr },
    on,
    description: descr,
  },
} as const;

const tolerance = {
  description: 'Default tolerance for == in this claim: a number (absolute) or "5%" (relative)',
  oneOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?%$' }],
} as const;

const claim = {
  type: 'object',
  additionalProperties: false,
  required: ['assert'],
  properties: {
    assert: expr('assert', "The claim, e.g. 'accuracy(cobj) == 0.496 ± 0.02'"),
    description: descr,
    ref: text('Where the paper makes the claim (section, table, figure)'),
    tolerance,
    skip: { type: ['boolean', 'string'], description: 'Skip this claim (true or a reason)' },
    only: { type: 'boolean', description: 'Run only claims marked `only`' },
    xfail: { type: ['boolean', 'string'], description: 'Expected to fail (a reason); an unexpected pass fails' },
    tags: { type: 'array', items: { type: 'string' }, description: 'Tags for --tag' },
  },
} as const;

const modelEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source: text("A folder, a hub id ('gpt2-medium') or 'random:<name>'"),
    processing: {
      description: "Weight processing: 'none', 'transformerlens', or flags",
      oneOf: [
        { enum: ['none', 'transformerlens'] },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            foldLn: { type: 'boolean' },
            centerWritingWeights: { type: 'boolean' },
            centerUnembed: { type: 'boolean' },
            foldValueBiases: { type: 'boolean' },
          },
        },
      ],
    },
    backend: { enum: ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'], description: 'tfjs backend (default auto: webgpu on a hardware GPU, else tensorflow, else wasm)' },
  },
} as const;

export const specSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://circuitspec.dev/schema/spec.schema.json',
  title: 'circuitspec spec',
  description: 'An interpretability experiment with its claims as assertions',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'expect'],
  properties: {
    name: text('Spec name'),
    description: text('What the spec checks'),
    paper: {
      type: 'object',
      additionalProperties: false,
      description: 'The paper the claims come from',
      properties: { title: text('Title'), authors: text('Authors'), arxiv: text('arXiv id'), url: text('URL'), year: int('Year') },
    },
    tags: { type: 'array', items: { type: 'string' }, description: 'Tags for every claim' },
    model: modelEntry,
    models: namedMap('Several models (name → model), run one after another, one in memory at a time; instead of model:', modelEntry),

    seed: int('Seed for everything random (default 0)'),
    batchSize: int('Prompts per forward pass', 1),
    pathPatching: {
      type: 'object', additionalProperties: false, properties: pathPatchingRules,
      description: 'Defaults for every path_patch metric and circuit stage of the spec (each may override them)',
    },
    workers: int('Worker threads (default: one per core while memory lasts; each holds its own copy of the weights)', 1),
    memory: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB)$', description: "Memory budget, e.g. '2GB' (sets the batch size)" },
    tasks: namedMap('Named prompt sets', task),
    interventions: namedMap('Named interventions', intervention),
    metrics: namedMap('Named metrics', metric),
    circuits: namedMap('Named circuits', circuit),
    expect: namedMap('Named claims', claim),
  },
} as const;

export type Spec = FromSchema<typeof specSchema>;
export type TaskSpec = FromSchema<typeof task>;
export type InterventionSpec = FromSchema<typeof intervention>;
export type MetricSpec = FromSchema<typeof metric>;
export type CircuitSpec = FromSchema<typeof circuit>;
export type StageSpec = FromSchema<typeof stage>;
export type ReceiverSpec = FromSchema<typeof receiverSchema>;
export type ClaimSpec = FromSchema<typeof claim>;
export type ModelSpec = FromSchema<typeof modelEntry>;
