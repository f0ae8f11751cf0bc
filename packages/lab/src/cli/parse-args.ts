/**
 * Command-line parsing of `gradlab` (node:util `parseArgs`, strict): turns argv into a typed
 * command, or throws a `ValidationError` whose message names the bad option or value and the
 * valid choices. Pure: no I/O, so it is tested without spawning a process.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { BACKEND_NAMES, MAX_WASM_THREADS, ValidationError, type BackendName } from '@gradlab/core';
import { parseShard, shardFromEnv, type Shard } from '../experiment/shard.js';
import type { ExperimentSize } from '../experiment/runner.js';

/** Largest number of seeds a `--seeds` list may expand to. */
export const MAX_SEEDS = 10_000;
/** Largest `--jobs`. */
export const MAX_JOBS = 256;

/** `gradlab help` / `--help`. */
export interface HelpCommand {
  command: 'help';
  /** Text to print on stdout. */
  text: string;
}

/** `gradlab list [MODULE]`. */
export interface ListCommand {
  command: 'list';
  /** A module whose experiments to list instead of the project's. */
  module: string | undefined;
  verbose: boolean;
}

/** `gradlab run`. */
export interface RunCommand {
  command: 'run';
  /** Experiments to run, in order (empty when `module` is given: its one experiment runs). */
  names: string[];
  /** `gradlab run PATH`: the module holding the experiment to run. */
  module: string | undefined;
  /** `--out`, as given. */
  out: string | undefined;
  /** Size preset (default full). */
  size: ExperimentSize;
  /** `--seeds`, replacing the preset's seeds. */
  seeds: number[] | undefined;
  /** `--backend`, else `GRADLAB_BACKEND`, else the first that loads. */
  backend: BackendName | undefined;
  /** Results folder per experiment name (of `names`; see `outDirFor` for a module's). */
  outDirs: Record<string, string>;
  /** With `run all`: the folder above them, where the README.md index goes. */
  indexDir: string | undefined;
  /** `--shard` (0-based index), else from the Slurm array variables. */
  shard: Shard | undefined;
  /** `--data`, else `GRADLAB_DATA`. */
  dataDir: string | undefined;
  /** `--jobs`: worker processes for the cells; undefined means the default (all cores). */
  jobs: number | undefined;
  /** `--threads`: threads of the wasm backend in each process; undefined means `GRADLAB_WASM_THREADS`, else ⌊cores / jobs⌋ (`defaultThreads`). */
  threads: number | undefined;
  /** `--fail-on-nonfinite`: a diverging cell stops the run instead of being recorded. */
  failOnNonFinite: boolean;
  fresh: boolean;
  /** Wait for another writer of OUT (default) rather than refuse (`--no-wait`). */
  wait: boolean;
  verbose: boolean;
}

/** `gradlab merge DIR [MODULE]`. */
export interface MergeCommand {
  command: 'merge';
  dir: string;
  /** The module holding the experiment, when it is not one the project declares. */
  module: string | undefined;
  /** Wait for another writer of DIR (default) rather than refuse (`--no-wait`). */
  wait: boolean;
  verbose: boolean;
}

/** `gradlab verify [DIR]`. */
export interface VerifyCommand {
  command: 'verify';
  /** A results folder, or a folder of them (default `results`). */
  dir: string;
  verbose: boolean;
}

/** `gradlab index [DIR]`. */
export interface IndexCommand {
  command: 'index';
  /** The folder holding the results folders (default `results`). */
  dir: string;
  verbose: boolean;
}

/** A parsed command line. */
export type CliCommand = HelpCommand | ListCommand | RunCommand | MergeCommand | IndexCommand | VerifyCommand;

/** Context of parsing. */
export interface ParseContext {
  /** Names of the registered experiments (to check `run NAME`). */
  experiments: readonly string[];
  /** Environment (`GRADLAB_DATA`, `SLURM_ARRAY_*`). Default `process.env`. */
  env?: Record<string, string | undefined>;
}

const COMMANDS = ['list', 'run', 'merge', 'verify', 'index', 'help'] as const;

/**
 * Whether a `run` target names a module rather than an experiment: it has a path separator or
 * a module extension (experiment names are kebab-case words).
 */
export function isModulePath(target: string): boolean {
  return /[/\\]/.test(target) || /\.[cm]?[jt]s$/.test(target);
}

/** Default results folder: `results/NAME` (full) or `out/quick/NAME` (quick, gitignored). */
export function defaultOutDir(name: string, size: ExperimentSize): string {
  return join(defaultResultsRoot(size), name);
}

/** Folder above the default results folders: `results` (full) or `out/quick` (quick). */
export function defaultResultsRoot(size: ExperimentSize): string {
  return size === 'full' ? 'results' : join('out', 'quick');
}

/** Help of `gradlab` itself. */
export function mainHelp(experiments: readonly string[]): string {
  return `gradlab — measure vanishing and exploding gradients; run the experiments of gradlab

Usage:
  gradlab list [MODULE]             list the experiments and the question each answers
  gradlab run NAME|all [options]    run an experiment (or all), writing CSV, SVG plots, manifest.json
  gradlab run ./my-experiment.ts    run the experiment a module exports (.ts, .mts, .js, .mjs)
  gradlab merge DIR [MODULE]        assemble the results of a sharded run in DIR
  gradlab verify [DIR]              check results folders against their manifests (default results/)
  gradlab index [DIR]               rebuild DIR/README.md (default results/) from its results folders
  gradlab probe --arch A --weights W.safetensors --input X.safetensors --out DIR
                                    gradient flow of a saved PyTorch-format RNN/LSTM/GRU or MLP
  gradlab help [COMMAND]            this text, or a command's options (also: COMMAND --help)

Experiments: ${experiments.length === 0 ? '(none declared here: run a module by path, or declare them in package.json as "gradlab": { "experiments": "./registry.ts" })' : experiments.join(', ')}

Errors print one line "gradlab: <message>" and exit with code 2 (add --verbose for the stack).
One writer at a time: a run or merge into a folder another gradlab is writing waits for it
(--no-wait refuses instead); sharded runs write their cells side by side.
`;
}

/** Help of `gradlab list`. */
export const LIST_HELP = `Usage: gradlab list [MODULE]

Prints each experiment's name and the question it answers: those the project declares in its
package.json ("gradlab": { "experiments": "./registry.ts" }), or those MODULE exports.
`;

/** Help of `gradlab run`. */
export const RUN_HELP = `Usage: gradlab run NAME|all|PATH [options]

PATH is a module (.ts, .mts, .js, .mjs) exporting one experiment made with defineExperiment
from @gradlab/lab; its worker processes load the same module. Runs every cell of the experiment's grid for every seed. Completed cells are stored in
OUT/.cells/ and skipped on the next run (resume); when all are done it writes OUT/NAME.csv,
the SVG plots and OUT/manifest.json (sha256 of every output). Ctrl-C (SIGINT) or SIGTERM
stops the run, keeping the completed cells; rerun the same command to resume.

Options:
  --quick             the small size, seconds to minutes (for CI and trying things out)
  --full              the full size that results/ is made with (default); the last of
                      --quick and --full given wins
  --seeds LIST        seeds replacing the size's: 1,2,3 or 1..10 or 1..3,7
  --backend NAME      tensor backend: ${BACKEND_NAMES.join(', ')} (default: GRADLAB_BACKEND, else the first that loads)
  --out DIR           results folder (default results/NAME with --full, out/quick/NAME with --quick,
                      where NAME is the experiment's name, also for a module run by path);
                      with "all", DIR/NAME for each experiment and DIR/README.md, an index of them all
  --shard i/n         run only shard i of n (numbered from 1: 1/3, 2/3, 3/3), then "gradlab merge DIR";
                      default in a Slurm job array: from SLURM_ARRAY_TASK_ID / _COUNT / _MIN
  --data DIR          folder with real data sets (default GRADLAB_DATA); synthetic data otherwise
  --jobs N            worker processes running cells in parallel (default: all cores, or
                      SLURM_CPUS_PER_TASK); --jobs 1 runs them one by one in this process.
                      The files written are the same for every N
  --threads N         threads of the wasm backend in each process, 1 to 8 (default:
                      GRADLAB_WASM_THREADS, else the cores shared out: floor(cores / jobs),
                      at least 1); the files written are the same for every N
  --fail-on-nonfinite stop with an error when a cell's training reaches NaN/Inf (default: record
                      the cell as diverged in the manifest and go on)
  --fresh             recompute instead of resuming (with --shard: this shard's cells only)
  --no-wait           if another gradlab is writing OUT, stop at once naming it (default: wait)
  --verbose           one line per cell, stack traces on errors
  -h, --help          this text
`;

/** Help of `gradlab merge`. */
export const MERGE_HELP = `Usage: gradlab merge DIR [MODULE]

Assembles DIR/NAME.csv, the plots and DIR/manifest.json from the cells that sharded runs
("gradlab run NAME --shard i/n --out DIR") stored in DIR/.cells/. The experiment, its config
and seeds are read from there; an experiment run by path needs its MODULE again. Fails,
listing them, if cells are missing or damaged, or if the shards ran different seeds or configs.
The outputs are renamed into place together, the manifest last; Ctrl-C before that leaves the
previous ones untouched.

Options:
  --no-wait           if another gradlab is writing DIR, stop at once naming it (default: wait)
  --verbose           stack traces on errors
  -h, --help          this text
`;

/** Help of `gradlab verify`. */
export const VERIFY_HELP = `Usage: gradlab verify [DIR]

Checks that the files of a results folder are the ones its manifest.json lists: each output
must exist with the recorded size, sha256 and (for CSVs) number of rows. DIR is a results
folder, or a folder of them (default results/). Prints what differs and exits with code 1
when anything does, 0 when all match.

Options:
  --verbose           stack traces on errors
  -h, --help          this text
`;

/** Help of `gradlab index`. */
export const INDEX_HELP = `Usage: gradlab index [DIR]

Rebuilds DIR/README.md (default results/README.md), the index with each experiment's finding
and verdict, from the results folders DIR/NAME already there, without running anything. Every
folder must match its manifest; one made with another config than the current code's is
indexed with a notice.

Options:
  --verbose           stack traces on errors
  -h, --help          this text
`;

const OPTIONS = {
  run: {
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    seeds: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    shard: { type: 'string' },
    data: { type: 'string' },
    jobs: { type: 'string' },
    threads: { type: 'string' },
    'fail-on-nonfinite': { type: 'boolean' },
    fresh: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  merge: { 'no-wait': { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  verify: { verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  index: { verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  list: { verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  help: { verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
} as const;

function optionList(command: keyof typeof OPTIONS): string {
  return Object.keys(OPTIONS[command])
    .map((o) => `--${o}`)
    .join(', ');
}

/** parseArgs with its errors turned into messages naming the option and the valid ones. */
function parseOptionsOf<K extends keyof typeof OPTIONS>(command: K, args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS[command], allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const where = command;
    const name = /'(-[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new ValidationError(`${where}: unknown option ${name ?? e.message}; valid options: ${optionList(command)}`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const wantsValue = /argument missing/.test(e.message);
      throw new ValidationError(
        wantsValue
          ? `${where}: option ${name ?? ''} needs a value (e.g. ${name ?? ''} VALUE)`
          : `${where}: option ${name ?? ''} takes no value`,
      );
    }
    throw new ValidationError(`${where}: ${e.message}`);
  }
}

/**
 * Parses a seed list: comma-separated integers and inclusive ranges `a..b`.
 * @throws ValidationError naming the bad part
 * @example parseSeeds('1..3,7') // [1, 2, 3, 7]
 */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  const bad = (part: string, why: string) =>
    new ValidationError(`--seeds: expected integers or ranges like 1,2,3 or 1..10, got ${JSON.stringify(part)} (${why})`);
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) throw bad(part, 'a range needs start <= end');
      if (b - a + 1 + seeds.length > MAX_SEEDS) throw bad(part, `more than ${MAX_SEEDS} seeds`);
      for (let s = a; s <= b; s++) seeds.push(s);
    } else if (/^-?\d+$/.test(part) && Number.isSafeInteger(Number(part))) {
      seeds.push(Number(part));
    } else {
      throw bad(part, part === '' ? 'empty item' : 'not an integer');
    }
  }
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new ValidationError(`--seeds: seed ${dup} is listed twice in ${JSON.stringify(text)}`);
  return seeds;
}

function nonEmpty(value: string | undefined, option: string): string | undefined {
  if (value !== undefined && value.trim() === '') throw new ValidationError(`--${option}: expected a folder, got ""`);
  return value;
}

/**
 * Parses `gradlab` arguments (argv without `node` and the script).
 * @throws ValidationError for an unknown command or option, a bad value, or an unknown
 *   experiment (naming it and listing the valid ones)
 * @example parseCliArgs(['run', 'depth-gradients', '--quick', '--seeds', '1..3'], { experiments: ['depth-gradients'] })
 */
export function parseCliArgs(argv: readonly string[], context: ParseContext): CliCommand {
  const env = context.env ?? process.env;
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { command: 'help', text: mainHelp(context.experiments) };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    const what = first.startsWith('-') ? `unknown option ${first}` : `unknown command ${JSON.stringify(first)}`;
    throw new ValidationError(`${what}; expected one of ${COMMANDS.join(', ')} (see gradlab --help)`);
  }
  const command = first as (typeof COMMANDS)[number];
  const { values, positionals } = parseOptionsOf(command, rest);
  const verbose = values.verbose === true;

  if (command === 'help') {
    const topic = positionals[0];
    if (topic === 'run') return { command: 'help', text: RUN_HELP };
    if (topic === 'merge') return { command: 'help', text: MERGE_HELP };
    if (topic === 'list') return { command: 'help', text: LIST_HELP };
    if (topic === 'index') return { command: 'help', text: INDEX_HELP };
    if (topic === 'verify') return { command: 'help', text: VERIFY_HELP };
    if (topic !== undefined && topic !== 'help') {
      throw new ValidationError(`help: unknown command ${JSON.stringify(topic)}; expected one of list, run, merge, verify, index`);
    }
    return { command: 'help', text: mainHelp(context.experiments) };
  }
  if (command === 'list') {
    if (values.help === true) return { command: 'help', text: LIST_HELP };
    if (positionals.length > 1) throw new ValidationError(`list: expected at most one module, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
    return { command: 'list', module: positionals[0], verbose };
  }
  if (command === 'index') {
    if (values.help === true) return { command: 'help', text: INDEX_HELP };
    if (positionals.length > 1) throw new ValidationError(`index: expected at most one folder, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
    return { command: 'index', dir: positionals[0] ?? 'results', verbose };
  }
  if (command === 'verify') {
    if (values.help === true) return { command: 'help', text: VERIFY_HELP };
    if (positionals.length > 1) throw new ValidationError(`verify: expected at most one folder, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
    return { command: 'verify', dir: positionals[0] ?? 'results', verbose };
  }
  if (command === 'merge') {
    if (values.help === true) return { command: 'help', text: MERGE_HELP };
    if (positionals.length !== 1 && positionals.length !== 2) {
      throw new ValidationError(`merge: expected a folder and optionally a module (gradlab merge DIR [MODULE]), got ${positionals.length} arguments`);
    }
    return { command: 'merge', dir: positionals[0]!, module: positionals[1], wait: (values as { 'no-wait'?: boolean })['no-wait'] !== true, verbose };
  }

  // run
  const v = values as {
    quick?: boolean; full?: boolean; seeds?: string; backend?: string; out?: string; shard?: string; data?: string;
    jobs?: string; threads?: string; 'fail-on-nonfinite'?: boolean; fresh?: boolean; 'no-wait'?: boolean; help?: boolean;
  };
  if (v.help === true) return { command: 'help', text: RUN_HELP };
  if (positionals.length === 0) {
    throw new ValidationError(
      `run: expected an experiment name or "all"; one of ${[...context.experiments, 'all'].join(', ')}`,
    );
  }
  if (positionals.length > 1) {
    throw new ValidationError(`run: expected one experiment name or "all", got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  const target = positionals[0]!;
  const module = isModulePath(target) ? target : undefined;
  if (module === undefined && target !== 'all' && !context.experiments.includes(target)) {
    throw new ValidationError(
      `run: unknown experiment ${JSON.stringify(target)}; expected one of ${[...context.experiments, 'all'].join(', ')}, or the path of a module (./my-experiment.mjs)`,
    );
  }
  const names = module !== undefined ? [] : target === 'all' ? [...context.experiments] : [target];
  // The last of --quick / --full wins, so `pnpm experiments --full` (a script that says
  // `run all --quick`) runs the full size.
  const lastSize = [...rest].reverse().find((a) => a === '--quick' || a === '--full');
  const size: ExperimentSize = lastSize === '--quick' ? 'quick' : 'full';
  if (v.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(v.backend)) {
    throw new ValidationError(`--backend: expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(v.backend)}`);
  }
  const out = nonEmpty(v.out, 'out');
  const outDirs: Record<string, string> = {};
  for (const name of names) {
    outDirs[name] = out === undefined ? defaultOutDir(name, size) : target === 'all' ? join(out, name) : out;
  }
  const dataEnv = env['GRADLAB_DATA'];
  return {
    command: 'run',
    names,
    module,
    out,
    size,
    seeds: v.seeds === undefined ? undefined : parseSeeds(v.seeds),
    backend: v.backend as BackendName | undefined,
    outDirs,
    indexDir: target === 'all' ? (out ?? defaultResultsRoot(size)) : undefined,
    shard: v.shard !== undefined ? parseShard(v.shard) : shardFromEnv(env),
    dataDir: nonEmpty(v.data, 'data') ?? (dataEnv === undefined || dataEnv === '' ? undefined : dataEnv),
    jobs: v.jobs === undefined ? undefined : parseJobs(v.jobs),
    threads: v.threads === undefined ? undefined : parseThreads(v.threads),
    failOnNonFinite: v['fail-on-nonfinite'] === true,
    fresh: v.fresh === true,
    wait: v['no-wait'] !== true,
    verbose,
  };
}

/**
 * Parses `--threads`: a whole number from 1 to `MAX_WASM_THREADS`.
 * @throws ValidationError naming the value
 */
export function parseThreads(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new ValidationError(`--threads: expected a whole number of wasm threads per process from 1 to ${MAX_WASM_THREADS}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Parses `--jobs`: a positive integer up to `MAX_JOBS`.
 * @throws ValidationError naming the value
 */
export function parseJobs(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_JOBS) {
    throw new ValidationError(`--jobs: expected a whole number of worker processes from 1 to ${MAX_JOBS}, got ${JSON.stringify(text)}`);
  }
  return n;
}
