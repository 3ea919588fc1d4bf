/** `circuitspec validate <spec…>`: compile without running; every error is one located line. */
import { compileFile } from '../../dsl/compile.js';
import { CircuitspecError } from '../../errors.js';
import type { Output } from '../../report/index.js';
import { style } from '../../report/style.js';
import type { CliArgs } from '../args.js';
import { findSpecs } from '../find.js';

export async function validateCommand(args: CliArgs, io: Output): Promise<number> {
  if (!args.paths.length) throw new CircuitspecError('validate takes spec files or folders');
  const s = style(io.color);
  let bad = 0;
  for (const file of findSpecs(args.paths)) {
    try {
      const plan = compileFile(file, { model: args.model });
      io.out(`${s.green('✓')} ${plan.spec.file} ${s.dim(`(${plan.claims.length} claims)`)}\n`);
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      bad++;
      io.err(`${e.format()}\n`);
    }
  }
  return bad ? 2 : 0;
}
