/** Command-line options of `pnpm bench` (bench/run.ts). */
import { BACKEND_NAMES, type BackendName } from '@gradlab/core';
import { DEFAULT_PEER_PYTHON } from './peer.js';
import { WORKLOAD_IDS } from './workload.js';
import type { WorkloadId, WorkloadSize } from './workload.js';

/** Parsed options. */
export interface BenchArgs {
  /** Workloads to run, in order (default all). */
  only: WorkloadId[];
  /** Timed runs per workload (default: the workload's own, at least 5). */
  runs: number | undefined;
  /** Forced backend (default: gradlab's resolution). */
  backend: BackendName | undefined;
  /** Also run the PyTorch peer and print ratios. */
  peer: boolean;
  /** Print a kernel profile of one run per workload instead of timings. */
  profile: boolean;
  /** Sizes: 'full' (the benchmark) or 'tiny' (smoke). */
  size: WorkloadSize;
  /** Python interpreter of the peer. */
  python: string;
  /** Run every workload in this process instead of one child process each. */
  inProcess: boolean;
  /** Also time two concurrent W1 processes against two serial ones. */
  parallel: boolean;
  /** Run the seed sweep (bench/sweep-cells.ts) instead of the workloads. */
  sweep: boolean;
  /** Worker processes of the sweep (gradlab's pool, and PyTorch processes with --peer); default 2. */
  jobs: number;
  /** Internal: the child process measuring one workload. */
  child: WorkloadId | undefined;
  help: boolean;
}

/** Usage text. */
export const USAGE = `usage: pnpm bench [--only W1,W4] [--runs N] [--backend wasm|cpu|tensorflow] [--peer] [--profile]
                  [--size full|tiny] [--python PATH] [--in-process] [--parallel]
       pnpm bench --sweep [--jobs N] [--peer] [--size full|tiny] [--backend …] [--python PATH]
Prints one JSON line per workload (W1-W6, see BENCHMARKS.md).
  --sweep     instead, a seed sweep of experiment cells on --jobs worker processes (default 2):
              cells per hour; with --peer the same cells in PyTorch and ratio = gradlab / PyTorch time
  --peer      alternate each workload with bench/peer_pytorch.py (tuned and as installed) and add a ratio
  --profile   per-kernel counts and times of one run per workload (tf.profile)
  --parallel  also time two W1 processes at once against two one after the other`;

class ArgError extends Error {}

/** Worker processes of the sweep by default: the machine's two cores, as the issue measures it. */
export const DEFAULT_SWEEP_JOBS = 2;

/** Options that select or time workloads, which a sweep has none of. */
const SWEEP_EXCLUDES = ['--only', '--runs', '--profile', '--parallel', '--in-process', '--child'];

function ids(value: string): WorkloadId[] {
  const out = value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  const bad = out.filter((s) => !(WORKLOAD_IDS as readonly string[]).includes(s));
  if (out.length === 0 || bad.length > 0) throw new ArgError(`bench: expected --only to be a comma-separated list of ${WORKLOAD_IDS.join(', ')}, got ${JSON.stringify(value)}`);
  return out as WorkloadId[];
}

/**
 * Parses argv (without node and script).
 * @throws Error with a one-line message naming the option, the value and what was expected
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = {
    only: [...WORKLOAD_IDS],
    runs: undefined,
    backend: undefined,
    peer: false,
    profile: false,
    size: 'full',
    python: DEFAULT_PEER_PYTHON,
    inProcess: false,
    parallel: false,
    sweep: false,
    jobs: DEFAULT_SWEEP_JOBS,
    child: undefined,
    help: false,
  };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ArgError(`bench: expected a value after ${flag}`);
      return v;
    };
    given.add(flag);
    switch (flag) {
      case '--sweep':
        if (inline !== undefined) throw new ArgError(`bench: expected --sweep to take no value, got ${JSON.stringify(inline)}`);
        a.sweep = true;
        break;
      case '--jobs': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new ArgError(`bench: expected --jobs to be a positive integer, got ${JSON.stringify(v)}`);
        a.jobs = n;
        break;
      }
      case '--only':
        a.only = ids(value());
        break;
      case '--runs': {
        const v = value();
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 5) throw new ArgError(`bench: expected --runs to be an integer >= 5, got ${JSON.stringify(v)}`);
        a.runs = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (!(BACKEND_NAMES as readonly string[]).includes(v)) throw new ArgError(`bench: expected --backend to be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(v)}`);
        a.backend = v as BackendName;
        break;
      }
      case '--size': {
        const v = value();
        if (v !== 'full' && v !== 'tiny') throw new ArgError(`bench: expected --size to be full or tiny, got ${JSON.stringify(v)}`);
        a.size = v;
        break;
      }
      case '--python':
        a.python = value();
        break;
      case '--child':
        a.child = ids(value())[0];
        break;
      case '--peer':
        a.peer = true;
        break;
      case '--profile':
        a.profile = true;
        break;
      case '--in-process':
        a.inProcess = true;
        break;
      case '--parallel':
        a.parallel = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new ArgError(`bench: unknown option ${JSON.stringify(arg)}; see --help`);
    }
  }
  if (a.sweep) {
    const clash = SWEEP_EXCLUDES.find((f) => given.has(f));
    if (clash !== undefined) throw new ArgError(`bench: expected --sweep without ${clash} (the sweep runs its own cells, see BENCHMARKS.md), got both`);
  } else if (given.has('--jobs')) {
    throw new ArgError('bench: expected --jobs only with --sweep, got --jobs alone');
  }
  return a;
}

export { ArgError };
