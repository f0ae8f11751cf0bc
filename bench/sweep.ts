/**
 * `pnpm bench --sweep`: the throughput a researcher sweeping seeds feels. The cells of
 * bench/sweep-cells.ts run through gradlab's own runner (`runExperiment` with a `CellPool` of
 * `--jobs` worker processes, exactly as `gradlab run --jobs N` runs them) into a fresh temporary
 * folder; the time counted runs from the pool's creation (worker start-up included) to the last
 * cell's rows on disk, less each experiment's assembly (main CSV, plots, manifest), which is
 * reported apart since the PyTorch peer writes no such outputs. With `--peer`, bench/sweep_pytorch.py then runs the same cells in
 * PyTorch as `--jobs` processes of one thread each, and the line carries
 * `ratio` = gradlab time / PyTorch time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from '@gradlab/core';
import { CellPool, runExperiment } from '@gradlab/lab';
import { round } from './measure.js';
import { blockConfig, blockExperiment, sweepBlocks, sweepCells } from './sweep-cells.js';
import type { WorkloadSize } from './workload.js';

const REGISTRY = fileURLToPath(new URL('../experiments/src/registry.ts', import.meta.url));
const PEER_SCRIPT = fileURLToPath(new URL('./sweep_pytorch.py', import.meta.url));

/** What the gradlab half of the sweep measured. */
export interface GradlabSweep {
  cells: number;
  jobs: number;
  backend: string;
  /** Pool creation to the last cell stored, less the assembly between blocks, seconds. */
  gradlab_s: number;
  /** Writing each block's main CSV, plots and manifest after its cells, seconds (not in gradlab_s). */
  gradlab_assembly_s: number;
  /** Pool creation to the first cell handed to a ready worker (start-up of a worker), seconds. */
  gradlab_startup_s: number;
  /** Sum of the cells' own times as the workers measured them, seconds. */
  gradlab_cell_s: number;
  /** The cells' own times summed per experiment, seconds (where the sweep's time goes). */
  gradlab_cell_s_by_experiment: Record<string, number>;
  cells_per_hour: number;
}

/** Runs the sweep with gradlab's runner on `jobs` worker processes. */
export async function gradlabSweep(size: WorkloadSize, jobs: number, backend: BackendName | undefined): Promise<GradlabSweep> {
  const info = await initBackend({ backend });
  const out = mkdtempSync(join(tmpdir(), 'gradlab-sweep-'));
  let cells = 0;
  let cellMs = 0;
  const byExperiment: Record<string, number> = {};
  let lastCell = 0;
  let firstStart = NaN;
  let assemblyMs = 0;
  let end = 0;
  const t0 = performance.now();
  const pool = new CellPool({ jobs, module: REGISTRY, backend: info });
  try {
    for (const block of sweepBlocks(size)) {
      await runExperiment(blockExperiment(block), {
        size: 'full',
        config: block.overrides,
        outDir: join(out, block.experiment),
        backend: info,
        pool,
        wait: false,
        onEvent: (e) => {
          if (e.type === 'cell-start' && Number.isNaN(firstStart)) firstStart = performance.now();
          if (e.type !== 'cell-done') return;
          cells++;
          cellMs += e.ms;
          byExperiment[block.experiment] = (byExperiment[block.experiment] ?? 0) + e.ms;
          lastCell = performance.now();
        },
      });
      // The block's outputs are written after its last cell, before the next block starts.
      assemblyMs += performance.now() - lastCell;
    }
    end = performance.now();
  } finally {
    await pool.close();
    rmSync(out, { recursive: true, force: true });
  }
  const cellsS = (end - t0 - assemblyMs) / 1000;
  return {
    cells,
    jobs,
    backend: info.name,
    gradlab_s: round(cellsS),
    gradlab_assembly_s: round(assemblyMs / 1000),
    gradlab_startup_s: round((firstStart - t0) / 1000),
    gradlab_cell_s: round(cellMs / 1000),
    gradlab_cell_s_by_experiment: Object.fromEntries(Object.entries(byExperiment).map(([k, v]) => [k, round(v / 1000)])),
    cells_per_hour: round((cells * 3600) / cellsS, 0),
  };
}

/** What the PyTorch half measured (sweep_pytorch.py's line). */
export interface PytorchSweep {
  cells: number;
  jobs: number;
  pytorch_s: number;
  pytorch_startup_s: number;
  pytorch_cell_s: number;
  pytorch_cell_s_by_experiment: Record<string, number>;
  torch: string;
  [field: string]: unknown;
}

/**
 * The environment of the peer's processes: OpenBLAS on its AVX-512 kernels (Debian's build does
 * not recognise this CPU, see peer.ts) and one thread each, so `jobs` processes use `jobs` cores.
 */
export function sweepPeerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) delete env[k];
  return { ...env, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
}

/** The same cells in PyTorch, `jobs` processes of one thread. */
export function pytorchSweep(python: string, size: WorkloadSize, jobs: number): PytorchSweep {
  const input = JSON.stringify({
    blocks: sweepBlocks(size).map((b) => ({ experiment: b.experiment, config: blockConfig(b) })),
    cells: sweepCells(size),
  });
  const r = spawnSync(python, [PEER_SCRIPT, '--jobs', String(jobs)], { input, encoding: 'utf8', env: sweepPeerEnv(), maxBuffer: 1 << 24 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) throw new Error(`sweep_pytorch.py failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line) as PytorchSweep;
}

/** The sweep's JSON line: gradlab, and PyTorch with the ratio when `python` is given. */
export async function sweepLine(size: WorkloadSize, jobs: number, backend: BackendName | undefined, python: string | undefined): Promise<object> {
  const load = round(loadavg()[0]!, 1);
  const g = await gradlabSweep(size, jobs, backend);
  const base = { id: 'sweep', size, ...g, load_1min_before: load };
  if (python === undefined) return base;
  const p = pytorchSweep(python, size, jobs);
  if (p.cells !== g.cells) throw new Error(`sweep: gradlab ran ${g.cells} cells, PyTorch ${p.cells}`);
  return { ...base, pytorch_s: p.pytorch_s, pytorch_startup_s: p.pytorch_startup_s, pytorch_cell_s: p.pytorch_cell_s, pytorch_cell_s_by_experiment: p.pytorch_cell_s_by_experiment, torch: p.torch, ratio: round(g.gradlab_s / p.pytorch_s, 2), load_1min_after: round(loadavg()[0]!, 1) };
}
