/**
 * The `gradlab` command: parses the arguments, runs `list`, `run`, `merge`, `verify` or `index`
 * against an experiment map, shows progress, and maps errors to exit codes — gradlab's own
 * errors (bad options, configs, files) and file-system errors (naming the path and the cause)
 * to one line `gradlab: <message>` and exit code 2, an interrupted run to one line saying what
 * completed and exit code 130, a `verify` that finds differences to exit code 1, anything else
 * (a bug) to exit code 1 with its stack. Streams and environment are parameters, so it runs
 * in tests without spawning a process.
 */
import { relative } from 'node:path';
import { GradlabError, InterruptedError, ValidationError, describeCause, initBackend, type BackendInfo } from '@gradlab/core';
import { CellPool, defaultJobs } from '../experiment/cell-pool.js';
import { defaultThreads } from './default-threads.js';
import { mergeExperiment } from '../experiment/merge.js';
import { readCellsConfig } from '../experiment/cells-store.js';
import { runExperiment, type RunResult } from '../experiment/runner.js';
import type { AssembledOutputs } from '../experiment/assemble-results.js';
import { loadExperimentModule } from '../experiment/experiment-module.js';
import { experimentMap, findExperiment, type ExperimentMap } from './experiment-map.js';
import { defaultOutDir, parseCliArgs, type RunCommand } from './parse-args.js';
import { findProjectExperiments } from './project-experiments.js';
import { indexFolders } from './index-folders.js';
import { createProgress, type ProgressStream } from './progress.js';
import { writeResultsIndex, type IndexEntry } from './results-index.js';
import { verifyResults } from './verify-command.js';

/** Exit code of a successful command. */
export const EXIT_OK = 0;
/** Exit code of a bug (an error that is not a GradlabError). */
export const EXIT_INTERNAL = 1;
/** Exit code of `verify` when a results folder differs from its manifest. */
export const EXIT_MISMATCH = 1;
/** Exit code of bad input: options, configs, files, missing cells. */
export const EXIT_USAGE = 2;
/** Exit code of a run stopped by SIGINT (128 + 2, the shell's convention). */
export const EXIT_INTERRUPTED = 130;

/** What `runCli` reads and writes. */
export interface CliIo {
  /** Results and listings. */
  stdout: ProgressStream;
  /** Progress, notices and errors. */
  stderr: ProgressStream;
  /** Environment. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Working directory, for printing paths relative to it. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Absolute path of a module exporting the same experiments (e.g. `registry.ts`), which
   * worker processes load to run cells in parallel. Without it, cells run one by one here.
   * Found with the experiments when those come from the project's package.json.
   */
  workerModule?: string | undefined;
  /** Aborted on SIGINT / SIGTERM: the run stops, keeping completed cells. */
  signal?: AbortSignal | undefined;
}

function show(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function describeBackend(b: BackendInfo): string {
  return `${b.name} ${b.version}${b.simd ? ', simd' : ''}, ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
}

function printAssembled(out: ProgressStream, a: AssembledOutputs, cwd: string): void {
  out.write(`  csv:      ${show(a.csv, cwd)} (${a.rows} rows)\n`);
  if (a.plots.length > 0) out.write(`  plots:    ${a.plots.map((p) => show(p, cwd)).join('\n            ')}\n`);
  out.write(`  manifest: ${show(a.manifest, cwd)}\n`);
  for (const n of a.notices) out.write(`  notice:   ${n}\n`);
}

function printRun(out: ProgressStream, r: RunResult, cwd: string, modulePath: string | undefined): void {
  const reused = r.cellsSkipped > 0 ? `, ${r.cellsSkipped} reused` : '';
  if (r.shard !== undefined) {
    const pending = r.missing.length === 0 ? 'every cell is done' : `${r.missing.length} cells of other shards pending`;
    const module = modulePath === undefined ? '' : ` ${show(modulePath, cwd)}`;
    out.write(
      `${r.name}: shard ${r.shard.index + 1}/${r.shard.count} done (${r.cellsRun} cells run${reused}); ${pending}\n` +
        `  when every shard is done: gradlab merge ${show(r.outDir, cwd)}${module}\n`,
    );
    return;
  }
  const diverged = r.diverged.length > 0 ? `, ${r.diverged.length} diverged (recorded in the manifest)` : '';
  out.write(`${r.name}: ${r.gridTotal} cells (${r.cellsRun} run${reused}${diverged}) in ${show(r.outDir, cwd)}\n`);
  if (r.assembled !== undefined) printAssembled(out, r.assembled, cwd);
}

type FullIo = CliIo & Required<Pick<CliIo, 'env' | 'cwd'>>;

/** `gradlab run PATH`: the module's one experiment, its output folder, and the module for the workers. */
async function moduleRun(cmd: RunCommand, io: FullIo): Promise<{ cmd: RunCommand; experiments: ExperimentMap; io: FullIo }> {
  const loaded = await loadExperimentModule(cmd.module!, { cwd: io.cwd, exactlyOne: true });
  const def = loaded.experiments[0]!;
  const outDirs = { [def.name]: cmd.out ?? defaultOutDir(def.name, cmd.size) };
  return { cmd: { ...cmd, names: [def.name], outDirs }, experiments: experimentMap([def]), io: { ...io, workerModule: loaded.path } };
}

async function runCommand(cmd: RunCommand, experiments: ExperimentMap, io: FullIo): Promise<void> {
  if (cmd.module !== undefined) ({ cmd, experiments, io } = await moduleRun(cmd, io));
  if (cmd.jobs !== undefined && cmd.jobs > 1 && io.workerModule === undefined) {
    throw new ValidationError(`--jobs: this front end cannot run cells in worker processes, got ${cmd.jobs}; use --jobs 1`);
  }
  const jobs = io.workerModule === undefined ? 1 : (cmd.jobs ?? defaultJobs(io.env));
  let backend = await initBackend({ backend: cmd.backend, threads: cmd.threads });
  // Without --threads or GRADLAB_WASM_THREADS the cores are shared out among the run's processes.
  // Which backend loads is known only once one has, so the count is applied by loading wasm again
  // (no tensor exists yet); the results are the same bits on any count (docs/backends.md).
  const threads = cmd.threads === undefined ? defaultThreads(jobs, backend, io.env) : undefined;
  if (threads !== undefined && threads !== backend.threads) backend = await initBackend({ backend: 'wasm', threads });
  const pool = jobs > 1 ? new CellPool({ jobs, module: io.workerModule!, backend }) : undefined;
  io.stderr.write(`backend: ${describeBackend(backend)}; ${jobs === 1 ? 'cells run one by one' : `${jobs} worker processes`}\n`);
  try {
    await runAll(cmd, experiments, io, backend, pool);
  } finally {
    await pool?.close();
  }
}

async function runAll(
  cmd: RunCommand,
  experiments: ExperimentMap,
  io: FullIo,
  backend: BackendInfo,
  pool: CellPool | undefined,
): Promise<void> {
  const index: IndexEntry[] = [];
  for (const name of cmd.names) {
    const def = findExperiment(experiments, name);
    const progress = createProgress(io.stderr, { verbose: cmd.verbose });
    try {
      const result = await runExperiment(def, {
        size: cmd.size,
        seeds: cmd.seeds,
        outDir: cmd.outDirs[name]!,
        shard: cmd.shard,
        fresh: cmd.fresh,
        dataDir: cmd.dataDir,
        backend,
        pool,
        signal: io.signal,
        failOnNonFinite: cmd.failOnNonFinite,
        wait: cmd.wait,
        onEvent: (e) => progress.onEvent(e),
      });
      progress.clear();
      printRun(io.stdout, result, io.cwd, cmd.module === undefined ? undefined : io.workerModule);
      if (result.assembled !== undefined) index.push({ def, outputs: result.assembled });
    } catch (err) {
      progress.clear();
      const cell = progress.failedCell();
      if (cell !== undefined && err instanceof Error && !(err instanceof InterruptedError) && !err.message.includes(cell)) {
        err.message = `${name}: cell ${cell}: ${err.message}`;
      }
      throw err;
    }
  }
  if (cmd.indexDir !== undefined && cmd.names.length > 0 && index.length === cmd.names.length) {
    const path = await writeResultsIndex(cmd.indexDir, index, cmd.size);
    io.stdout.write(`index: ${show(path, io.cwd)}\n`);
  }
}

/**
 * Runs the `gradlab` command line.
 * @param argv arguments after the script name
 * @param experiments the experiments it knows (see `registry.ts`)
 * @returns the exit code: 0, 2 for bad input (one line on stderr), 1 for a bug
 */
export async function runCli(argv: readonly string[], experiments: ExperimentMap | undefined, io: CliIo): Promise<number> {
  let full: FullIo = { env: process.env, cwd: process.cwd(), ...io };
  const verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'probe') {
      // Loaded only here: the probe needs @gradlab/rnn, an optional peer of this package.
      const { runProbeCommand } = await import('./probe-command.js');
      await runProbeCommand(argv.slice(1), full);
      return EXIT_OK;
    }
    if (experiments === undefined) {
      const declared = findProjectExperiments(full.cwd);
      if (declared === undefined) experiments = experimentMap([]);
      else {
        const loaded = await loadExperimentModule(declared.module, { cwd: full.cwd });
        experiments = experimentMap(loaded.experiments);
        full = { ...full, workerModule: loaded.path };
      }
    }
    const cmd = parseCliArgs(argv, { experiments: [...experiments.keys()], env: full.env });
    switch (cmd.command) {
      case 'help':
        full.stdout.write(cmd.text);
        break;
      case 'list': {
        const listed = cmd.module === undefined ? experiments : experimentMap((await loadExperimentModule(cmd.module, { cwd: full.cwd })).experiments);
        if (listed.size === 0) {
          full.stdout.write('no experiments declared here; run one by path (gradlab run ./my-experiment.mjs), or declare a module\n');
          full.stdout.write('exporting them in package.json: "gradlab": { "experiments": "./experiments.mjs" }\n');
        }
        const width = Math.max(0, ...[...listed.keys()].map((n) => n.length));
        for (const def of listed.values()) full.stdout.write(`${def.name.padEnd(width)}  ${def.description}\n`);
        break;
      }
      case 'merge': {
        const stored = readCellsConfig(cmd.dir);
        const known = cmd.module === undefined ? experiments : experimentMap((await loadExperimentModule(cmd.module, { cwd: full.cwd })).experiments);
        const def = findExperiment(known, stored.name);
        const progress = createProgress(full.stderr, { verbose: cmd.verbose });
        const a = await mergeExperiment(def, cmd.dir, { signal: full.signal, wait: cmd.wait, onEvent: (e) => progress.onEvent(e) });
        full.stdout.write(`${def.name}: merged ${stored.size} run in ${show(cmd.dir, full.cwd)}\n`);
        printAssembled(full.stdout, a, full.cwd);
        break;
      }
      case 'run':
        await runCommand(cmd, experiments, full);
        break;
      case 'verify': {
        const found = await verifyResults(cmd.dir);
        let differ = 0;
        for (const f of found) {
          if (f.problems.length === 0) {
            full.stdout.write(`ok        ${show(f.dir, full.cwd)} (${f.files} files match manifest.json)\n`);
            continue;
          }
          differ += 1;
          full.stdout.write(`DIFFERS   ${show(f.dir, full.cwd)}\n`);
          for (const p of f.problems) full.stdout.write(`          ${p}\n`);
        }
        if (differ > 0) {
          full.stderr.write(`gradlab: verify: ${differ} of ${found.length} results folders differ from their manifest\n`);
          return EXIT_MISMATCH;
        }
        break;
      }
      case 'index': {
        const found = await indexFolders(cmd.dir, experiments.values());
        const path = await writeResultsIndex(cmd.dir, found.entries, found.size);
        for (const n of found.notices) full.stderr.write(`notice: ${n}\n`);
        full.stdout.write(`index: ${show(path, full.cwd)} (${found.entries.map((e) => e.def.name).join(', ')})\n`);
        break;
      }
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof InterruptedError) {
      full.stderr.write(`gradlab: ${err.message}\n`);
      return EXIT_INTERRUPTED;
    }
    if (err instanceof GradlabError) {
      const hint = err.hint === undefined ? '' : ` (${err.hint})`;
      full.stderr.write(`gradlab: ${err.message.split('\n')[0]}${hint}\n`);
      if (verbose && err.stack !== undefined) full.stderr.write(`${err.stack}\n`);
      return EXIT_USAGE;
    }
    const fsError = err as NodeJS.ErrnoException | null;
    if (fsError instanceof Error && typeof fsError.code === 'string' && typeof fsError.syscall === 'string') {
      // A file-system error no gradlab code wrapped: still one line with the path and the cause.
      const where = typeof fsError.path === 'string' ? ` ${JSON.stringify(fsError.path)}` : '';
      full.stderr.write(`gradlab: cannot ${fsError.syscall}${where}: ${describeCause(fsError)}\n`);
      if (verbose && fsError.stack !== undefined) full.stderr.write(`${fsError.stack}\n`);
      return EXIT_USAGE;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    full.stderr.write(`gradlab: internal error: ${e.message.split('\n')[0]}\n${e.stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}
