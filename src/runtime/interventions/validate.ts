/** Checks an intervention against the model and task before any compute. */
import { CircuitspecError } from '../../errors.js';
import { parseHookName, type ModelConfig } from '../model/index.js';
import type { Intervention } from '../experiments/types.js';
import type { PromptSet } from '../tasks/types.js';

export function validateIntervention(iv: Intervention, config: ModelConfig, set: PromptSet, where: string): void {
  const fail = (m: string): never => {
    throw new CircuitspecError(`${where}: ${m}`, { field: where });
  };
  const roles = (rs: string[] | undefined): void => {
    for (const r of rs ?? []) if (r !== 'END' && !set.roleNames.includes(r)) fail(`unknown role '${r}' for task '${set.name}' (roles: ${set.roleNames.join(', ')})`);
  };
  const head = (l: number, h: number): void => {
    if (!Number.isInteger(l) || l < 0 || l >= config.nLayers) fail(`layer ${l} is out of range 0..${config.nLayers - 1}`);
    if (!Number.isInteger(h) || h < 0 || h >= config.nHeads) fail(`head ${h} is out of range 0..${config.nHeads - 1}`);
  };
  switch (iv.type) {
    case 'patch':
    case 'ablate': {
      const p = parseHookName(iv.hook, config);
      if (iv.heads && p.headAxis === null) fail(`hook '${iv.hook}' has no head axis, so 'heads' cannot be used`);
      for (const h of iv.heads ?? []) head(p.layer ?? 0, h);
      roles(iv.positions);
      if (iv.type === 'patch' && iv.from !== 'corrupted' && iv.from !== 'clean') fail(`patch 'from' must be corrupted or clean, got '${String(iv.from)}'`);
      if (iv.type === 'ablate' && !['zero', 'mean', 'resample'].includes(iv.method)) fail(`ablation method must be zero, mean or resample, got '${String(iv.method)}'`);
      return;
    }
    case 'attention_override': {
      if (!iv.heads?.length) fail('attention_override needs at least one head');
      for (const h of iv.heads) head(h.layer, h.head);
      roles([iv.query, ...Object.keys(iv.keys ?? {})]);
      const ws = Object.values(iv.keys ?? {});
      if (!ws.length) fail('attention_override needs at least one key role with a weight');
      if (ws.some((w) => !(w >= 0))) fail('attention_override weights must be non-negative numbers');
      const sum = ws.reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 1) > 1e-6) fail(`attention_override weights must sum to 1 (a distribution over key roles), they sum to ${sum}`);
      return;
    }
    case 'attention_block': {
      if (!iv.heads?.length) fail('attention_block needs at least one head');
      for (const h of iv.heads) head(h.layer, h.head);
      if (!iv.keys?.length) fail('attention_block needs at least one key role to block');
      roles([iv.query, ...iv.keys]);
      if (typeof iv.renormalize !== 'boolean') fail('attention_block renormalize must be true or false');
      return;
    }
    default:
      fail(`unknown intervention type '${String((iv as { type: unknown }).type)}' (expected patch, ablate, attention_override or attention_block)`);
  }
}
