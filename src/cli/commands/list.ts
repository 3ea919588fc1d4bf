/** `circuitspec list [paths]`: specs, their claims (with skip/xfail/only marks) and tags. */
import { loadSpec } from '../../dsl/load.js';
import { CircuitspecError } from '../../errors.js';
import type { Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';
import { defaultPaths, findSpecs } from '../find.js';

export async function listCommand(args: CliArgs, io: Output): Promise<number> {
  const entries = [];
  let bad = 0;
  for (const file of findSpecs(defaultPaths(args.paths))) {
    try {
      const { spec, file: shown } = loadSpec(file);
      const claims = Object.entries(spec.expect).map(([name, c]) => ({
        name, assert: c.assert, tags: [...new Set([...(spec.tags ?? []), ...(c.tags ?? [])])],
        mode: c.skip ? 'skip' : c.xfail ? 'xfail' : c.only ? 'only' : 'run',
      }));
      entries.push({ file: shown, name: spec.name, model: spec.model?.source ?? Object.entries(spec.models ?? {}).map(([n, m]) => `${n}: ${m.source}`).join(', '), claims });
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      bad++;
      io.err(`${e.format()}\n`);
    }
  }
  if (args.json) io.out(JSON.stringify(entries, null, 2) + '\n');
  else {
    for (const e of entries) {
      io.out(`${e.file}  ${e.name} (${e.model})\n`);
      for (const c of e.claims) io.out(`  ${c.name}${c.mode !== 'run' ? ` [${c.mode}]` : ''}${c.tags.length ? `  #${c.tags.join(' #')}` : ''}\n`);
    }
    const tags = [...new Set(entries.flatMap((e) => e.claims.flatMap((c) => c.tags)))].sort();
    io.out(`${entries.length} specs, ${entries.reduce((a, e) => a + e.claims.length, 0)} claims${tags.length ? `; tags: ${tags.join(', ')}` : ''}\n`);
  }
  return bad ? 2 : 0;
}
