import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPath, packageRoot } from '../../../src/runtime/util/paths.js';

describe('package paths', () => {
  it("finds circuitspec's root and its packaged data (with licences)", () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('circuitspec');
    for (const f of ['ioi/ioi-vocabulary.json', 'ioi/LICENSE', 'colored-objects/cobjs_data_42.json', 'colored-objects/cobjs_mindiff_data_42.json', 'colored-objects/LICENSE']) {
      expect(existsSync(dataPath(...f.split('/')))).toBe(true);
    }
  });
});
