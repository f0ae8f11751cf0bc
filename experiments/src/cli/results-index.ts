/**
 * The index page of a results folder (`results/README.md` after `gradlab run all`): for each
 * experiment its question, links to its CSV and manifest, its notices and its plots inline.
 * Deterministic (no dates), so rerunning unchanged experiments leaves it unchanged.
 */
import { join, relative, sep } from 'node:path';
import { writeFileAtomic, type AnyExperimentDefinition, type AssembledOutputs } from '@gradlab/core';

/** One experiment on the index. */
export interface IndexEntry {
  def: AnyExperimentDefinition;
  outputs: AssembledOutputs;
}

const link = (root: string, path: string) => relative(root, path).split(sep).join('/');

/** The Markdown text of the index. */
export function resultsIndex(root: string, entries: readonly IndexEntry[], size: 'quick' | 'full'): string {
  const lines = [
    '# gradlab results',
    '',
    `Written by \`gradlab run all${size === 'quick' ? ' --quick' : ''}\`; do not edit by hand. Each folder holds the`,
    'main CSV, the plots (SVG) and `manifest.json` (config, seeds, backend, versions, sha256 of every file).',
    '',
  ];
  for (const { def, outputs } of entries) {
    lines.push(`## ${def.name}`, '', def.description, '');
    lines.push(`- data: [${link(root, outputs.csv)}](${link(root, outputs.csv)}) (${outputs.rows} rows)`);
    lines.push(`- manifest: [${link(root, outputs.manifest)}](${link(root, outputs.manifest)})`);
    for (const n of outputs.notices) lines.push(`- notice: ${n}`);
    lines.push('');
    for (const plot of outputs.plots) lines.push(`![${def.name}: ${link(root, plot)}](${link(root, plot)})`, '');
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
