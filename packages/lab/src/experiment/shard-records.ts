/**
 * What each shard of a sharded run ran, so that `merge` assembles what the shards computed and
 * nothing else. Every sharded run writes `OUT/.cells/shards/<i>-of-<n>.json` (its shard, config
 * hash, config and seeds); `merge` refuses shards that ran different seeds, configs or splits,
 * naming the difference, instead of silently assembling one shard's view. An unsharded run in
 * the folder clears the records (it starts a new, complete run there).
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentError, FileFormatError, errorCode, fileError, writeFileAtomicSync } from '@gradlab/core';
import { CELLS_DIR } from './cells-store.js';
import { canonicalJson } from './cell-id.js';
import { formatShard, type Shard } from './shard.js';

/** Folder of the shard records inside a results folder. */
export const SHARDS_DIR = join(CELLS_DIR, 'shards');

/** What one sharded run records. */
export interface ShardRecord {
  /** Experiment name. */
  name: string;
  /** The shard (0-based index). */
  shard: Shard;
  /** Size preset. */
  size: 'quick' | 'full';
  /** Hash of the config without seeds. */
  configHash: string;
  /** The full config, seeds included. */
  config: Record<string, unknown>;
}

const recordFile = (s: Shard) => `${s.index + 1}-of-${s.count}.json`;

/** Records what a sharded run is running. */
export function writeShardRecord(outDir: string, record: ShardRecord): void {
  writeFileAtomicSync(join(outDir, SHARDS_DIR, recordFile(record.shard)), `${JSON.stringify(record, null, 2)}\n`);
}

/** Deletes the shard records (an unsharded run starts over). */
export function clearShardRecords(outDir: string): void {
  const dir = join(outDir, SHARDS_DIR);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    throw fileError('remove', dir, err);
  }
}

/**
 * The shard records of a folder, in shard order (none for an unsharded or older folder).
 * @throws FileFormatError naming a record that cannot be read
 */
export function readShardRecords(outDir: string): ShardRecord[] {
  const dir = join(outDir, SHARDS_DIR);
  if (!existsSync(dir)) return [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^\d+-of-\d+\.json$/.test(f));
  } catch (err) {
    if (errorCode(err) === 'ENOTDIR') return [];
    throw fileError('read', dir, err);
  }
  const records = names.map((f) => {
    const path = join(dir, f);
    try {
      const r = JSON.parse(readFileSync(path, 'utf8')) as ShardRecord;
      if (typeof r.name !== 'string' || typeof r.configHash !== 'string' || r.config === null || typeof r.config !== 'object' ||
        !Number.isSafeInteger(r.shard?.index) || !Number.isSafeInteger(r.shard?.count)) {
        throw new Error('expected { name, shard, size, configHash, config }');
      }
      return r;
    } catch (err) {
      throw new FileFormatError(`${path}: cannot read this shard record (${errorCode(err) ?? (err as Error).message}); rerun that shard`, { cause: err });
    }
  });
  return records.sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
}

const seedsOf = (r: ShardRecord) => (Array.isArray(r.config['seeds']) ? (r.config['seeds'] as number[]) : []);
const describeSeeds = (seeds: number[]) => (seeds.length === 0 ? 'no seeds' : `seeds ${seeds.join(',')}`);

/** The config fields (other than seeds) whose values differ between two configs. */
function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'seeds').sort();
  return keys
    .filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]))
    .map((k) => `${k} = ${canonicalJson(a[k]) ?? 'unset'} vs ${canonicalJson(b[k]) ?? 'unset'}`);
}

/**
 * Checks that every shard ran the same experiment, split, config and seeds.
 * @returns the common record (of the first shard)
 * @throws ExperimentError naming the two shards and what differs
 */
export function agreeingShards(records: readonly ShardRecord[], outDir: string): ShardRecord {
  const first = records[0]!;
  for (const r of records.slice(1)) {
    const a = `shard ${formatShard(first.shard)}`;
    const b = `shard ${formatShard(r.shard)}`;
    const refuse = (what: string) =>
      new ExperimentError(`merge: the shards in ${JSON.stringify(outDir)} ran different ${what}; refusing to merge`, {
        hint: 'rerun the odd shards with the same options (gradlab run NAME --shard i/n --out DIR), or start again with --fresh',
      });
    if (r.name !== first.name) throw refuse(`experiments: ${a} ran ${first.name}, ${b} ran ${r.name}`);
    if (r.shard.count !== first.shard.count) throw refuse(`splits: ${a} and ${b}`);
    if (r.size !== first.size) throw refuse(`sizes: ${a} ran --${first.size}, ${b} ran --${r.size}`);
    const fields = differingFields(first.config, r.config);
    if (fields.length > 0) throw refuse(`configs: ${a} vs ${b}: ${fields.join('; ')}`);
    if (canonicalJson(seedsOf(first)) !== canonicalJson(seedsOf(r))) {
      throw refuse(`seeds: ${a} ran ${describeSeeds(seedsOf(first))}, ${b} ran ${describeSeeds(seedsOf(r))}`);
    }
  }
  return first;
}
