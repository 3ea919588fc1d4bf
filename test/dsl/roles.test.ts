import { describe, expect, it } from 'vitest';
import { COLORED_OBJECTS_ROLES, GREATER_THAN_ROLES, IOI_ROLES } from '../../src/dsl/roles.js';
import { CO_ROLES, GT_ROLES, IOI_ROLES as RUNTIME_IOI_ROLES } from '../../src/runtime/tasks/index.js';
import { hookNames } from '../../src/dsl/hooks.js';

describe('compile-time knowledge matches the runtime', () => {
  it('role names per task source', () => {
    expect(IOI_ROLES).toEqual(RUNTIME_IOI_ROLES);
    expect(COLORED_OBJECTS_ROLES).toEqual(CO_ROLES);
    expect(GREATER_THAN_ROLES).toEqual(GT_ROLES);
  });

  it('hook names per model shape', async () => {
    const model = await import('../../src/runtime/model/index.js');
    const m = await model.loadModel('random:tiny', { backend: 'cpu' });
    try {
      expect(hookNames({ nLayers: 2, nHeads: 4, dModel: 32, dVocab: 50257, nCtx: 64 }).sort()).toEqual(m.hookNames().sort());
    } finally {
      m.dispose();
    }
  });
});
