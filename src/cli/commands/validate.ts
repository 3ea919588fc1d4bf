/**
 * `circuitspec validate <spec…>`: compile, then check the inputs (checkpoint header, task files, sizes) without
 * running anything; every error is one located line.
 */
import { compileFile } from '../../dsl/compile.js';
import { CircuitspecError } from '../../errors.js';
import type { Output } from '../../report/index.js';
import { style } from '../../report/style.js';
import type { CliArgs } from '../args.js';
import { findSpecs } from '../find.js';
import { checkInputs } from '../runner.js';

export async function validateCommand(args: CliArgs, io: Output): Promise<number> {
  if (!args.paths.length) throw new CircuitspecError('validate takes spec files or folders');
  const files = findSpecs(args.paths);
  if (!files.length) throw new CircuitspecError(`no *.spec.yaml files in ${args.paths.join(', ')}`);
  const s = style(io.color);
  let bad = 0;
  for (const file of files) {
    try {
      const plan = compileFile(file, { model: args.model, backend: args.backend, seed: args.seed, batchSize: args.batchSize });
      const { warnings } = await checkInputs(plan);
      io.out(`${s.green('✓')} ${plan.spec.file} ${s.dim(`(${plan.claims.length} claims)`)}\n`);
      for (const w of warnings) io.err(`warning: ${plan.spec.file}: ${w}\n`);
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      bad++;
      io.err(`${e.format()}\n`);
    }
  }
  return bad ? 2 : 0;
}
