/**
 * Turns the JSON lines of one bench run into the Markdown tables of BENCHMARKS.md, so the
 * tables are written by code from one run:
 *
 *   tsx bench/report.ts wasm-peer.jsonl [--threads wasm-2-threads.jsonl] [--cpu cpu.jsonl] [--sweep sweep.jsonl]
 *
 * `wasm-peer.jsonl` is `pnpm bench --peer` (one thread); `--threads` the same workloads with
 * `GRADLAB_WASM_THREADS=N` (no peer needed); `--sweep` the line of `pnpm bench --sweep --peer`.
 * A goal is judged on gradlab's faster setting (1 or N threads), since `--threads` is one flag
 * away for a user, and the tuned PyTorch peer uses both cores through OpenBLAS.
 */
import { readFileSync } from 'node:fs';

/** The goals: gradlab on wasm within this factor of PyTorch. */
export const GOAL: Record<string, number> = { W1: 2, W2: 2, W3: 2, W4: 3, W5: 3, W6: 3 };
/** The sweep's goal: gradlab time / PyTorch time. */
export const SWEEP_GOAL = 1.5;

interface Peer { impl: string; setting: string; median_ms: number; gflops: number; openblas_core?: string }

interface Line {
  id?: string;
  median_ms?: number;
  cpu_ms?: number;
  gflops?: number;
  flops?: number;
  threads?: number;
  peak_rss_mb?: number;
  ratio?: number;
  peers?: Peer[];
  error?: string;
  extra?: { checksum?: number };
  [key: string]: unknown;
}

function read(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ms = (x: number | undefined) => (x === undefined ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const byId = (lines: Line[]) => new Map(lines.filter((l) => l.id !== undefined && l.error === undefined && l.median_ms !== undefined).map((l) => [l.id!, l]));

function workloadTable(main: Line[], threaded: Line[], cpu: Line[]): string[] {
  const many = byId(threaded);
  const slow = byId(cpu);
  const n = [...many.values()][0]?.threads ?? 2;
  const out = [
    row(['workload', 'GFLOP / run', 'gradlab wasm, 1 thread', `gradlab wasm, ${n} threads`, 'same checksum', 'gradlab cpu', 'PyTorch tuned', 'PyTorch as installed', 'scikit-learn', 'best peer', 'ratio, 1 thread', `ratio, ${n} threads`, 'goal']),
    row(Array.from({ length: 13 }, () => '---')),
  ];
  for (const l of byId(main).values()) {
    const peer = (impl: string, setting: string) => l.peers?.find((p) => p.impl === impl && p.setting === setting);
    const peers = (l.peers ?? []).slice().sort((a, b) => a.median_ms - b.median_ms);
    const best = peers[0];
    const tuned = peer('pytorch', 'tuned');
    const installed = peer('pytorch', 'installed');
    const sk = peers.find((p) => p.impl === 'sklearn');
    const t = many.get(l.id!);
    const c = slow.get(l.id!);
    const r1 = best ? l.median_ms! / best.median_ms : undefined;
    const rn = best && t ? t.median_ms! / best.median_ms : undefined;
    const goal = GOAL[l.id!]!;
    const judged = Math.min(r1 ?? Infinity, rn ?? Infinity);
    out.push(
      row([
        l.id!,
        (l.flops! / 1e9).toFixed(2),
        `${ms(l.median_ms)} (${l.gflops!.toFixed(1)} GFLOP/s)`,
        t ? `${ms(t.median_ms)} (${(l.median_ms! / t.median_ms!).toFixed(2)}× 1 thread)` : 'not run',
        t ? (t.extra?.checksum === l.extra?.checksum ? 'yes' : `**no** (${t.extra?.checksum} vs ${l.extra?.checksum})`) : '—',
        c ? `${ms(c.median_ms)} (${(c.median_ms! / l.median_ms!).toFixed(1)}× wasm)` : 'not run',
        tuned ? `${ms(tuned.median_ms)} (${tuned.gflops.toFixed(1)} GFLOP/s)` : '—',
        installed ? `${ms(installed.median_ms)} (${installed.openblas_core ?? '?'})` : '—',
        sk ? `${ms(sk.median_ms)} (${sk.setting})` : '—',
        best ? `${best.impl} ${best.setting}` : '—',
        r1 === undefined ? '—' : `${r1.toFixed(2)}×`,
        rn === undefined ? '—' : `${rn.toFixed(2)}×`,
        Number.isFinite(judged) ? `≤ ${goal}×: **${judged <= goal ? 'met' : 'not met'}** (${judged.toFixed(2)}×)` : `≤ ${goal}×`,
      ]),
    );
  }
  return out;
}

function memoryTable(main: Line[], threaded: Line[]): string[] {
  const many = byId(threaded);
  const out = [row(['workload', 'gradlab peak RSS, 1 thread', 'gradlab peak RSS, N threads', 'tf tensors after the runs (growth)', 'PyTorch tuned peak RSS']), row(['---', '---', '---', '---', '---'])];
  for (const l of byId(main).values()) {
    const tuned = l.peers?.find((p) => p.impl === 'pytorch' && p.setting === 'tuned') as (Peer & { peak_rss_mb?: number }) | undefined;
    out.push(
      row([
        l.id!,
        `${l.peak_rss_mb} MB`,
        many.get(l.id!) ? `${many.get(l.id!)!.peak_rss_mb} MB` : '—',
        `${l['tf_tensors_after']} (+${l['tf_tensors_growth']}); ${l['tf_tensors_left']} left after dispose`,
        tuned?.peak_rss_mb !== undefined ? `${tuned.peak_rss_mb.toFixed(0)} MB` : '—',
      ]),
    );
  }
  return out;
}

function sweepTable(lines: Line[]): string[] {
  const out = [
    row(['', 'cells', 'gradlab_s', 'gradlab cells per hour', 'gradlab_cell_s (sum over cells)', 'pytorch_s', 'pytorch_cell_s', 'ratio', 'goal', 'load before → after']),
    row(Array.from({ length: 10 }, () => '---')),
  ];
  for (const l of lines.filter((x) => x.id === 'sweep')) {
    const ratio = l.ratio;
    out.push(
      row([
        `sweep, ${l['jobs']} jobs`,
        String(l['cells']),
        `${l['gradlab_s']} s`,
        String(l['cells_per_hour']),
        `${l['gradlab_cell_s']} s`,
        l['pytorch_s'] === undefined ? '—' : `${l['pytorch_s']} s`,
        l['pytorch_cell_s'] === undefined ? '—' : `${l['pytorch_cell_s']} s`,
        ratio === undefined ? '—' : `**${ratio}×**`,
        ratio === undefined ? `≤ ${SWEEP_GOAL}×` : `≤ ${SWEEP_GOAL}×: **${ratio <= SWEEP_GOAL ? 'met' : 'not met'}**`,
        `${l['load_1min_before']} → ${l['load_1min_after'] ?? '—'}`,
      ]),
    );
  }
  const last = lines.filter((x) => x.id === 'sweep').at(-1);
  const g = last?.['gradlab_cell_s_by_experiment'] as Record<string, number> | undefined;
  const p = last?.['pytorch_cell_s_by_experiment'] as Record<string, number> | undefined;
  if (g !== undefined) {
    out.push('', row(['experiment', 'gradlab cell s (sum)', 'PyTorch cell s (sum)', 'ratio of cell time']), row(['---', '---', '---', '---']));
    for (const [name, seconds] of Object.entries(g)) {
      const peer = p?.[name];
      out.push(row([name, `${seconds} s`, peer === undefined ? '—' : `${peer} s`, peer === undefined ? '—' : `${(seconds / peer).toFixed(2)}×`]));
    }
  }
  return out;
}

function main(): void {
  const mainFile = process.argv[2];
  if (mainFile === undefined || mainFile.startsWith('--')) {
    process.stderr.write('usage: tsx bench/report.ts wasm-peer.jsonl [--threads wasm-N.jsonl] [--cpu cpu.jsonl] [--sweep sweep.jsonl]\n');
    process.exit(2);
  }
  const threadsFile = option('--threads');
  const cpuFile = option('--cpu');
  const sweepFile = option('--sweep');
  const main = read(mainFile);
  const threaded = threadsFile ? read(threadsFile) : [];
  const parts = [workloadTable(main, threaded, cpuFile ? read(cpuFile) : []), [''], memoryTable(main, threaded)];
  if (sweepFile) parts.push([''], sweepTable(read(sweepFile)));
  process.stdout.write(`${parts.flat().join('\n')}\n`);
}

main();
