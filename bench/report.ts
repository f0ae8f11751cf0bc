/**
 * Turns the JSON lines of `pnpm bench --peer` (and, optionally, of a `--backend cpu` run) into
 * the Markdown table of BENCHMARKS.md, so the table is written by code from one run:
 *
 *   tsx bench/report.ts wasm-peer.jsonl [cpu.jsonl]
 *
 * Peak rates used for the "% of peak" columns: one core of WebAssembly SIMD128 (no FMA) tops out
 * near 44 GFLOP/s; one AVX-512 core with two FMA units near 175 GFLOP/s, two cores 350.
 */
import { readFileSync } from 'node:fs';

/** GFLOP/s of one core running WebAssembly SIMD128 (4 lanes, multiply + add, no FMA). */
export const WASM_PEAK_GFLOPS = 44;
/** GFLOP/s of the machine's two AVX-512 cores (2 × 16 lanes × 2 FMA units × 2.7 GHz ≈ 175 per core). */
export const NATIVE_PEAK_GFLOPS = 350;
/** The goals: gradlab on wasm within this factor of PyTorch. */
export const GOAL: Record<string, number> = { W1: 2, W2: 2, W3: 2, W4: 3, W5: 3, W6: 3 };

interface Line {
  id?: string;
  median_ms?: number;
  cpu_ms?: number;
  gflops?: number;
  flops?: number;
  backend?: string;
  peak_rss_mb?: number;
  tf_tensors_growth?: number;
  ratio?: number;
  peers?: { impl: string; setting: string; median_ms: number; gflops: number; openblas_core?: string; peak_rss_mb?: number }[];
  error?: string;
}

function read(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

const ms = (x: number | undefined) => (x === undefined ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const pct = (g: number, peak: number) => `${((100 * g) / peak).toFixed(0)}%`;

function main(): void {
  const [mainFile, cpuFile] = process.argv.slice(2);
  if (mainFile === undefined) {
    process.stderr.write('usage: tsx bench/report.ts wasm-peer.jsonl [cpu.jsonl]\n');
    process.exit(2);
  }
  const lines = read(mainFile).filter((l) => l.id !== undefined && l.error === undefined && l.median_ms !== undefined);
  const cpu = new Map((cpuFile ? read(cpuFile) : []).filter((l) => l.id !== undefined && l.error === undefined).map((l) => [l.id!, l]));
  const rows = [
    '| workload | GFLOP / run | gradlab wasm | GFLOP/s (% of 44) | gradlab cpu | PyTorch tuned | GFLOP/s (% of 350) | PyTorch as installed | scikit-learn | ratio wasm / best peer | goal |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const l of lines) {
    const peer = (impl: string, setting: string) => l.peers?.find((p) => p.impl === impl && p.setting === setting);
    const tuned = peer('pytorch', 'tuned');
    const installed = peer('pytorch', 'installed');
    const sk = [peer('sklearn', 'tuned'), peer('sklearn', 'installed')].filter((p) => p !== undefined);
    const skBest = sk.sort((a, b) => a!.median_ms - b!.median_ms)[0];
    const c = cpu.get(l.id!);
    const goal = GOAL[l.id!]!;
    rows.push(
      [
        l.id,
        (l.flops! / 1e9).toFixed(2),
        ms(l.median_ms),
        `${l.gflops!.toFixed(1)} (${pct(l.gflops!, WASM_PEAK_GFLOPS)})`,
        c ? `${ms(c.median_ms)} (${(c.median_ms! / l.median_ms!).toFixed(1)}× wasm)` : 'not run',
        tuned ? ms(tuned.median_ms) : '—',
        tuned ? `${tuned.gflops.toFixed(1)} (${pct(tuned.gflops, NATIVE_PEAK_GFLOPS)})` : '—',
        installed ? `${ms(installed.median_ms)} (${installed.openblas_core ?? '?'})` : '—',
        skBest ? `${ms(skBest.median_ms)} (${skBest.setting})` : '—',
        l.ratio === undefined ? '—' : `**${l.ratio.toFixed(1)}×**`,
        l.ratio === undefined ? `≤ ${goal}×` : `≤ ${goal}×: ${l.ratio <= goal ? 'met' : 'not met'}`,
      ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'),
    );
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main();
