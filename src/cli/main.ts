#!/usr/bin/env node
/** The `circuitspec` command. Owns argv and exit codes: 0 all pass, 1 a claim failed, 2 usage or spec error. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CircuitspecError } from '../errors.js';
import type { Output } from '../report/index.js';
import { parseCli, USAGE, type CliArgs, type Command } from './args.js';
import { diffCommand } from './commands/diff.js';
import { listCommand } from './commands/list.js';
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { packageVersion } from '../runtime/executor/provenance.js';

const COMMANDS: Record<Command, (args: CliArgs, io: Output) => Promise<number>> = {
  run: runCommand,
  plan: planCommand,
  validate: validateCommand,
  list: listCommand,
  diff: diffCommand,
  report: reportCommand,
};

export function processOutput(): Output {
  const isTTY = !!process.stdout.isTTY;
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    color: isTTY && !process.env.NO_COLOR,
    isTTY: !!process.stderr.isTTY,
  };
}

export async function main(argv: string[], io: Output = processOutput()): Promise<number> {
  try {
    const args = parseCli(argv);
    if (args.help) {
      io.out(USAGE + '\n');
      return 0;
    }
    if (args.version) {
      io.out(`circuitspec ${packageVersion()}\n`);
      return 0;
    }
    return await COMMANDS[args.command](args, io);
  } catch (e) {
    if (e instanceof CircuitspecError) {
      io.err(`${e.format()}\n`);
      return 2;
    }
    io.err(process.env.CIRCUITSPEC_DEBUG ? `${(e as Error).stack ?? String(e)}\n` : `internal error: ${(e as Error).message ?? String(e)} (set CIRCUITSPEC_DEBUG=1 for the stack)\n`);
    return 2;
  }
}

/** `circuitspec run … | head -1`: once the reader has gone, nobody is listening; end quietly, not with EPIPE. */
export function quietOnBrokenPipe(stream: NodeJS.WriteStream, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    else throw e;
  });
}

const invoked = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) {
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
