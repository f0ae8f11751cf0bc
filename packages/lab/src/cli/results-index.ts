/**
 * The index page of a results folder (`results/README.md` after `gradlab run all`): a table of
 * verdicts, then for each experiment its question, the published figure it reproduces beside
 * ours, the verdict with its rule and reason, key numbers pulled from its CSV, its plots inline,
 * and links to its CSV, seed summary, extra tables and manifest (with the cells that diverged).
 *
 * Every number and verdict is computed from the rows by the experiment's finding module
 * (its `finding`) each time; only the published side is fixed text. Deterministic (no dates), so
 * rerunning unchanged experiments leaves it unchanged.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '@gradlab/core';
import { readResultsCsv } from '../io/csv.js';
import type { AnyExperimentDefinition, Row } from '../experiment/define-experiment.js';
import type { AssembledOutputs } from '../experiment/assemble-results.js';
import type { Finding, FindingFn, KeyTable } from '../findings/finding.js';

/** One experiment on the index. */
export interface IndexEntry {
  def: AnyExperimentDefinition;
  outputs: AssembledOutputs;
  /**
   * Set when the folder was made by an earlier version of the experiment (its config hash is
   * not the current code's): why. Its finding is then not computed, because the current finding
   * may read columns or cells those rows do not have, and a verdict from them would be wrong.
   */
  stale?: string;
}

const link = (root: string, path: string) => relative(root, path).split(sep).join('/');

/** A Markdown table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(t: KeyTable): string[] {
  return [
    `| ${t.columns.map(cell).join(' | ')} |`,
    `|${t.columns.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

interface ManifestBits {
  config: Record<string, unknown>;
  cells?: { total: number; diverged: number };
  diverged?: { cell: string; step: number; reason: string }[];
}

function readManifestBits(path: string): ManifestBits {
  return JSON.parse(readFileSync(path, 'utf8')) as ManifestBits;
}

type Computed = { finding: Finding } | { error: string } | { stale: string } | undefined;

function compute(fn: FindingFn | undefined, rows: readonly Row[], config: Record<string, unknown>): Computed {
  if (fn === undefined) return undefined;
  try {
    return { finding: fn(rows, config) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The Markdown text of the index. Experiments without a `finding` get their question, plots
 * and links only.
 */
export function resultsIndex(root: string, entries: readonly IndexEntry[], size: 'quick' | 'full'): string {
  const computed = entries.map(({ def, outputs, stale }) => {
    const manifest = readManifestBits(outputs.manifest);
    if (stale !== undefined && def.finding !== undefined) return { def, outputs, manifest, result: { stale } as Computed };
    const rows = readResultsCsv(outputs.csv) as Row[];
    return { def, outputs, manifest, result: compute(def.finding, rows, manifest.config) };
  });
  const lines = [
    '# gradlab results',
    '',
    `Written by \`gradlab run all${size === 'quick' ? ' --quick' : ''}\` (or \`gradlab index\`); do not edit by hand. Each folder holds the`,
    'main CSV, the plots (SVG) and `manifest.json` (config, seeds, backend, versions, sha256 of every file); runs with',
    'several seeds also hold `NAME-summary.csv` (mean, sample std, min and max over the seeds), and some experiments',
    'write extra tables such as `NAME-watch.csv` (per-parameter and per-layer rows of `watch`: norms, update ratios, histograms).',
    '',
    'Every number and verdict below is computed from the CSV rows by the experiment\'s finding each time this page is',
    'written; only the published figures are fixed citations. Each verdict follows the rule stated under it.',
    '',
  ];
  if (size === 'quick') {
    lines.push(
      '> **Quick size.** These are the CI-sized runs (seconds per experiment): too small to decide several of the claims',
      '> (short sequences, few updates, one seed). A verdict of "partly" or "not" here says little about the full-size result.',
      '',
    );
  }
  const withFinding = computed.filter((c) => c.result !== undefined);
  if (withFinding.length > 0) {
    lines.push('| experiment | reproduces | verdict |', '|---|---|---|');
    for (const c of withFinding) {
      const verdict = 'finding' in c.result! ? c.result.finding.verdict : 'stale' in c.result! ? 'pending a rerun' : 'n/a (error)';
      const paper = 'finding' in c.result! ? c.result.finding.published.paper.split(', "')[0]! : '';
      lines.push(`| [${c.def.name}](#${c.def.name}) | ${cell(paper)} | **${verdict}** |`);
    }
    lines.push('');
  }
  for (const { def, outputs, manifest, result } of computed) {
    lines.push(`## ${def.name}`, '', def.description, '');
    if (result !== undefined && 'stale' in result) {
      lines.push(`**Verdict: pending a rerun** — ${result.stale}`, '');
    } else if (result !== undefined && 'error' in result) {
      lines.push(`**Verdict: n/a** — the finding could not be computed from the rows: ${result.error}`, '');
    } else if (result !== undefined) {
      const f = result.finding;
      lines.push(`**Verdict: ${f.verdict}** — ${f.why}`, '');
      lines.push(`*Rule:* ${f.rule}`, '');
      lines.push('| | published | this run |', '|---|---|---|');
      lines.push(`| source | ${cell(f.published.paper)} | \`gradlab run ${def.name}${size === 'quick' ? ' --quick' : ''}\` |`);
      lines.push(`| setup | ${cell(f.published.setup)} | ${cell(f.setup)} |`);
      lines.push(`| result | ${cell(f.published.figure)} | ${cell(f.ours)} |`, '');
      lines.push(`Key numbers (from \`${link(root, outputs.csv)}\`):`, '', ...table(f.keyNumbers), '');
    }
    for (const plot of outputs.plots) lines.push(`![${def.name}: ${link(root, plot)}](${link(root, plot)})`, '');
    lines.push(`- data: [${link(root, outputs.csv)}](${link(root, outputs.csv)}) (${outputs.rows} rows)`);
    if (outputs.summary !== undefined) lines.push(`- seed summary: [${link(root, outputs.summary)}](${link(root, outputs.summary)})`);
    for (const t of outputs.tables ?? []) lines.push(`- table: [${link(root, t.path)}](${link(root, t.path)}) (${t.rows} rows)`);
    lines.push(`- manifest: [${link(root, outputs.manifest)}](${link(root, outputs.manifest)})`);
    if (manifest.cells !== undefined) {
      lines.push(`- cells: ${manifest.cells.total}, diverged: ${manifest.cells.diverged}`);
      for (const d of manifest.diverged ?? []) lines.push(`  - \`${d.cell}\` diverged at step ${d.step}: ${d.reason}`);
    }
    for (const n of outputs.notices) lines.push(`- notice: ${n}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Writes `root/README.md` atomically.
 * @returns its path
 */
export async function writeResultsIndex(root: string, entries: readonly IndexEntry[], size: 'quick' | 'full'): Promise<string> {
  const path = join(root, 'README.md');
  await writeFileAtomic(path, resultsIndex(root, entries, size));
  return path;
}
