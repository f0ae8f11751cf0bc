/**
 * `CellPool`: worker processes that run an experiment's cells in parallel, one cell per worker
 * at a time, on all cores of one machine. tfjs-wasm is single-threaded in Node, so independent
 * cells in separate processes are how a sweep uses more than one core. Each worker loads the
 * same backend and runs the same `runCell` as a serial run, and the main CSV is assembled in
 * grid order from the stored cells, so a parallel run writes exactly the bytes of a serial one.
 *
 * Workers are started on first use and reused across experiments (`gradlab run all`); a failed
 * or interrupted run kills them (cells in flight are discarded: their files are written
 * atomically, so none is half-written) and the next run starts fresh ones.
 *
 * @example
 * const pool = new CellPool({ jobs: 2, module: '/abs/path/registry.ts', backend: await initBackend() });
 * try { await runExperiment(def, { outDir, pool }); } finally { await pool.close(); }
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BackendInfo, BackendError, ExperimentError, GradlabError, ValidationError, describeValue } from '@gradlab/core';
import type { WorkerError, WorkerReply, WorkerRequest } from './cell-pool-protocol.js';
import type { CellOutcome } from './run-cell.js';
import { execArgvLoadsTsx, isTypeScriptPath } from './typescript-loader.js';

/** Options of `CellPool`. */
export interface CellPoolOptions {
  /** Worker processes, a positive integer (e.g. `defaultJobs()`). */
  jobs: number;
  /**
   * Absolute path of the module that exports the experiments the pool will run: each found
   * among its exports by name, as a definition, or inside an exported `Map` of them.
   */
  module: string;
  /** The backend of the parent; every worker loads the same one and is checked against it. */
  backend: BackendInfo;
  /**
   * Node flags of the workers. Default: the parent's, plus tsx's loader when the sources are
   * TypeScript and the parent runs without it (e.g. under a test runner).
   */
  execArgv?: string[] | undefined;
}

/** One cell for the pool. */
export type PoolTask = Omit<WorkerRequest, 'job'>;

/** What the pool reports about a task. */
export interface PoolHandlers {
  start(task: PoolTask): void;
  notice(task: PoolTask, message: string): void;
  progress(task: PoolTask, fraction: number): void;
  done(task: PoolTask, outcome: CellOutcome): void;
  /** The task's cell threw, or its worker died; the run rejects with `error` right after. */
  failed(task: PoolTask, error: unknown): void;
}

/**
 * Worker processes to use by default: `SLURM_CPUS_PER_TASK` inside a Slurm job, else the
 * cores this process may run on (`os.availableParallelism()`).
 */
export function defaultJobs(env: Record<string, string | undefined> = process.env): number {
  const slurm = Number(env['SLURM_CPUS_PER_TASK']);
  if (Number.isSafeInteger(slurm) && slurm > 0) return slurm;
  return Math.max(1, availableParallelism());
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  busy: boolean;
}

function workerFile(): { file: string; typescript: boolean } {
  const ext = extname(fileURLToPath(import.meta.url));
  return { file: fileURLToPath(new URL(`./cell-worker${ext}`, import.meta.url)), typescript: ext === '.ts' };
}

/** The export condition under which the workspace packages resolve to their TypeScript sources. */
export const SOURCE_CONDITION = 'gradlab-source';

/**
 * Node flags of the workers: the parent's, plus tsx's loader when the worker or the
 * experiments module is TypeScript and the parent has no loader on its command line (tsx
 * registered in-process, or a test runner), plus the source export condition when the worker
 * itself runs from the workspace sources.
 */
function defaultExecArgv(workerIsTs: boolean, module: string): string[] {
  const args = [...process.execArgv];
  if ((workerIsTs || isTypeScriptPath(module)) && !execArgvLoadsTsx(args)) {
    let loader: string;
    try {
      loader = createRequire(workerIsTs ? import.meta.url : module).resolve('tsx');
    } catch (err) {
      throw new ExperimentError(`CellPool: ${workerIsTs ? 'the worker processes run TypeScript sources' : `${module} is TypeScript`} and need tsx, which cannot be resolved`, {
        hint: 'install tsx in the project (npm install -D tsx), use a .js/.mjs experiment, or --jobs 1',
        cause: err,
      });
    }
    args.push('--import', pathToFileURL(loader).href);
  }
  const hasCondition = args.some((a, i) => a === `--conditions=${SOURCE_CONDITION}` || a === `-C=${SOURCE_CONDITION}` || ((a === '--conditions' || a === '-C') && args[i + 1] === SOURCE_CONDITION));
  if (workerIsTs && !hasCondition) args.push(`--conditions=${SOURCE_CONDITION}`);
  return args;
}

/** Rebuilds an error from a worker: gradlab's own keep their code (so the CLI prints one line). */
function reviveError(e: WorkerError, where: string): Error {
  const err =
    e.code === undefined
      ? new Error(`${where}: ${e.message}`)
      : new GradlabError(e.code, e.message, e.hint === undefined ? undefined : { hint: e.hint });
  if (e.stack !== undefined) err.stack = `${err.message}\n(in a worker process)\n${e.stack}`;
  return err;
}

/** A pool of worker processes (see the file comment). */
export class CellPool {
  /** Number of worker processes. */
  readonly jobs: number;
  private readonly options: CellPoolOptions;
  private readonly execArgv: string[];
  private readonly file: string;
  private workers: Worker[] = [];
  private closed = false;

  constructor(options: CellPoolOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ValidationError(`CellPool: expected options to be an object, got ${describeValue(options)}`);
    }
    if (!Number.isSafeInteger(options.jobs) || options.jobs < 1) {
      throw new ValidationError(`CellPool: expected jobs to be a positive integer, got ${describeValue(options.jobs)}`);
    }
    if (typeof options.module !== 'string' || options.module === '') {
      throw new ValidationError(`CellPool: expected module to be the path of a module exporting experiments, got ${describeValue(options.module)}`);
    }
    this.jobs = options.jobs;
    this.options = options;
    const { file, typescript } = workerFile();
    this.file = file;
    this.execArgv = options.execArgv ?? defaultExecArgv(typescript, options.module);
  }

  private start(): Worker {
    // The worker loads the parent's backend with the parent's thread count (wasm only; the
    // count is read from the backend in use, so --threads and GRADLAB_WASM_THREADS both reach it).
    const threads = this.options.backend.name === 'wasm' ? this.options.backend.threads : 1;
    const child = fork(this.file, [this.options.module, this.options.backend.name, String(threads)], {
      execArgv: this.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = { child, busy: false, ready: Promise.resolve() };
    worker.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') {
          child.off('message', onMessage);
          child.off('exit', onExit);
          const want = this.options.backend;
          if (m.backend.name !== want.name || m.backend.version !== want.version || m.backend.threads !== want.threads) {
            reject(new BackendError(`CellPool: a worker loaded backend ${m.backend.name} ${m.backend.version} on ${m.backend.threads} threads, expected ${want.name} ${want.version} on ${want.threads}`));
          } else resolve();
        } else if (m.type === 'fatal') {
          child.off('exit', onExit);
          reject(reviveError(m.error, 'worker start'));
        }
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(new ExperimentError(`CellPool: a worker process exited while starting (${signal ?? `code ${code}`})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return worker;
  }

  /** Kills every worker (cells in flight are discarded); resolves once they have all exited. */
  private killAll(): Promise<void> {
    const exits = this.workers.map((w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => w.child.once('exit', () => resolve()));
      w.child.kill('SIGKILL');
      return exited;
    });
    this.workers = [];
    return Promise.all(exits).then(() => undefined);
  }

  /**
   * Runs the tasks, `jobs` at a time, in the order given.
   * @throws the first error a cell throws (the others in flight are discarded); the abort
   *   reason when `signal` aborts; ExperimentError when a worker dies
   */
  async run(tasks: readonly PoolTask[], handlers: PoolHandlers, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new ExperimentError('CellPool: the pool is closed');
    if (tasks.length === 0) return;
    while (this.workers.length < Math.min(this.jobs, tasks.length)) this.workers.push(this.start());
    let next = 0;
    let finished = 0;
    let failed = false;
    let job = 0;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        signal?.removeEventListener('abort', onAbort);
        // Rejected once the workers are gone, so the caller can clear what they left half-written.
        void this.killAll().then(() => reject(err));
      };
      const onAbort = () => fail(signal!.reason ?? new Error('aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      const dispatch = (worker: Worker) => {
        if (failed) return;
        if (next >= tasks.length) {
          if (finished === tasks.length) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          return;
        }
        const task = tasks[next++]!;
        const id = job++;
        worker.busy = true;
        const failTask = (err: unknown) => {
          if (failed) return;
          handlers.failed(task, err);
          fail(err);
        };
        const onExit = (code: number | null, sig: string | null) =>
          failTask(new ExperimentError(`${task.name}: cell ${task.cellId}: its worker process died (${sig ?? `exit code ${code}`})`));
        const onMessage = (m: WorkerReply) => {
          if (failed || !('job' in m) || m.job !== id) return;
          switch (m.type) {
            case 'notice':
              handlers.notice(task, m.message);
              break;
            case 'progress':
              handlers.progress(task, m.fraction);
              break;
            case 'done':
            case 'failed':
              worker.child.off('message', onMessage);
              worker.child.off('exit', onExit);
              worker.busy = false;
              if (m.type === 'failed') return failTask(reviveError(m.error, `${task.name}: cell ${task.cellId}`));
              finished += 1;
              handlers.done(task, { ms: m.ms, rows: m.rows, status: m.status, divergence: m.divergence });
              dispatch(worker);
          }
        };
        worker.child.on('message', onMessage);
        worker.child.once('exit', onExit);
        handlers.start(task);
        const request: WorkerRequest = { ...task, job: id };
        worker.child.send(request);
      };
      for (const worker of this.workers) {
        worker.ready.then(() => dispatch(worker), fail);
      }
    });
  }

  /** Stops the workers. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = this.workers.map((w) =>
      w.child.exitCode !== null || w.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => w.child.once('exit', () => r())),
    );
    for (const w of this.workers) w.child.disconnect?.();
    this.workers = [];
    await Promise.all(exits);
  }
}
