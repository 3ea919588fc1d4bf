/** Command-line flags (node:util parseArgs) → options. Bad usage is a CircuitspecError (exit code 2). */
import { parseArgs } from 'node:util';
import { CircuitspecError } from '../errors.js';
import { REPORTERS } from '../report/index.js';
import { didYouMean } from '../dsl/suggest.js';

export const COMMANDS = ['run', 'plan', 'validate', 'list', 'diff', 'report'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command: Command;
  paths: string[];
  filter?: string;
  tags?: string[];
  model?: string;
  backend?: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
  seed?: number;
  batchSize?: number;
  limit?: number;
  workers?: number;
  bail: boolean;
  verify: boolean;
  reporter: string;
  out?: string;
  json: boolean;
  tolerance?: number;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: circuitspec <command> [options]

Commands:
  run [files|folders…]   run specs (*.spec.yaml; default: ./specs, else the current folder)
  plan <spec>            print the plan (steps, sizes, forward-pass estimate) without running
  validate <spec…>       check specs (schema, names, expressions) without running
  list [paths…]          list specs, their claims and tags
  diff <a.json> <b.json> compare two results files
  report <results.json…> an HTML report of saved results (two or more: a comparison page); --out report.html

Options:
  --filter <text|/re/>   only claims whose "spec > claim" name matches
  --tag <tag>            only claims with this tag (repeatable)
  --model <source>       override the spec's model (folder, hub id, random:<name>); with models: every one,
                         or name=<source>,… the named ones
  --backend <name>       auto | wasm | cpu | tensorflow | webgpu
  --seed <n>             override the spec's seed
  --batch-size <n>       prompts per forward pass
  --limit <n>            only the first n prompts of every task (try a slice first)
  --workers <n>          worker threads (default: one per core while memory lasts; each loads the model)
  --bail                 stop at the first failing claim
  --verify               re-hash cached model downloads (sha256) before using them
  --reporter <name>      ${Object.keys(REPORTERS).join(' | ')}
  --out <file>           also write the results JSON here (with --reporter html: the HTML page)
  --json                 (plan, list) print JSON
  --tolerance <x>        (diff) absolute tolerance for values without their own (default 1e-6)
  -h, --help             show this help
  -v, --version          show the version

Exit codes: 0 all claims pass, 1 a claim failed, 2 usage or spec error.`;

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new CircuitspecError(`${flag} takes a whole number (got '${v}')`);
  if (!Number.isSafeInteger(Number(v))) throw new CircuitspecError(`${flag} must be at most 2^53 − 1 = ${Number.MAX_SAFE_INTEGER} (got ${v}: larger numbers lose precision)`);
  return Number(v);
}

/** A `/regex/flags` filter must compile here, not deep inside the run. */
function checkFilter(filter: string): void {
  const re = /^\/(.*)\/([a-z]*)$/.exec(filter);
  if (!re) return;
  try {
    new RegExp(re[1], re[2]);
  } catch (e) {
    throw new CircuitspecError(`--filter ${filter} is not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        filter: { type: 'string', short: 't' },
        tag: { type: 'string', multiple: true },
        model: { type: 'string' },
        backend: { type: 'string' },
        seed: { type: 'string' },
        'batch-size': { type: 'string' },
        limit: { type: 'string' },
        workers: { type: 'string' },
        bail: { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        reporter: { type: 'string', default: 'default' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        tolerance: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new CircuitspecError(`${(e as Error).message.split('\n')[0]} (see circuitspec --help)`);
  }
  const { values: v, positionals } = parsed;
  const [first, ...rest] = positionals;
  if (v.help || v.version) return { command: 'run', paths: [], bail: false, verify: false, reporter: 'default', json: false, help: v.help!, version: v.version! };
  if (!first) throw new CircuitspecError(`missing command (one of ${COMMANDS.join(', ')}; see circuitspec --help)`);
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new CircuitspecError(`unknown command '${first}'${didYouMean(first, COMMANDS)} (commands: ${COMMANDS.join(', ')})`);
  }
  if (!REPORTERS[v.reporter!]) throw new CircuitspecError(`unknown reporter '${v.reporter}'${didYouMean(v.reporter!, Object.keys(REPORTERS))} (reporters: ${Object.keys(REPORTERS).join(', ')})`);
  const backends = ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'];
  if (v.backend !== undefined && !backends.includes(v.backend)) throw new CircuitspecError(`unknown backend '${v.backend}' (backends: ${backends.join(', ')})`);
  const batchSize = int(v['batch-size'], '--batch-size');
  if (batchSize === 0) throw new CircuitspecError('--batch-size must be at least 1');
  const limit = int(v.limit, '--limit');
  if (limit === 0) throw new CircuitspecError('--limit must be at least 1');
  if (v.filter !== undefined) checkFilter(v.filter);
  const workers = int(v.workers, '--workers');
  if (workers === 0) throw new CircuitspecError('--workers must be at least 1');
  const tolerance = v.tolerance === undefined ? undefined : Number(v.tolerance);
  if (tolerance !== undefined && !(tolerance >= 0)) throw new CircuitspecError(`--tolerance takes a number >= 0 (got '${v.tolerance}')`);
  return {
    command: first as Command,
    paths: rest,
    filter: v.filter,
    tags: v.tag,
    model: v.model,
    backend: v.backend as CliArgs['backend'],
    seed: int(v.seed, '--seed'),
    batchSize,
    limit,
    workers,
    bail: v.bail!,
    verify: v.verify!,
    reporter: v.reporter!,
    out: v.out,
    json: v.json!,
    tolerance,
    help: false,
    version: false,
  };
}
