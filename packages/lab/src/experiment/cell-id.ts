/**
 * Names of cells and configs. A cell's id is its keys (sorted) and values, `key=value` joined
 * by `,`, with the seed last — `activation=tanh,depth=4,seed=1` — usable as a file name on every
 * platform. The config hash is the sha256 of the config's canonical JSON (keys sorted, seeds
 * left out), so adding seeds reuses the cells already computed.
 */
import { createHash } from 'node:crypto';
import { ExperimentError, describeValue } from '@gradlab/core';
import type { CellValue } from './define-experiment.js';

/** Hex characters of the sha256 kept in config hashes (64 bits). */
export const CONFIG_HASH_LENGTH = 16;
/** Longest cell id used verbatim as a file name; longer ones are cut and suffixed with a hash. */
const MAX_ID_LENGTH = 160;

/** Encodes a cell value for an id: exact (shortest round-trip numbers), file-name safe. */
function encodeValue(value: CellValue): string {
  const text = typeof value === 'number' ? (Object.is(value, -0) ? '0' : String(value)) : String(value);
  return text.replace(/[^A-Za-z0-9._+-]/g, (ch) =>
    Array.from(Buffer.from(ch, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * The id of a cell without its seed (`''` for a grid of one empty cell).
 * @throws ExperimentError when a key is `seed` or a value is not a string, number or boolean
 */
export function cellKey(where: string, cell: Record<string, unknown>): string {
  if (cell === null || typeof cell !== 'object' || Array.isArray(cell)) {
    throw new ExperimentError(`${where}: expected every grid cell to be an object, got ${describeValue(cell)}`);
  }
  const parts: string[] = [];
  for (const key of Object.keys(cell).sort()) {
    const value = cell[key];
    if (key === 'seed') {
      throw new ExperimentError(`${where}: grid cells must not have a "seed" key; the runner adds config.seeds`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ExperimentError(
        `${where}: expected grid cell value ${key} to be a string, number or boolean, got ${describeValue(value)}`,
      );
    }
    parts.push(`${encodeValue(key)}=${encodeValue(value)}`);
  }
  return parts.join(',');
}

/** The id of a cell with its seed; also its file name (without `.csv`) in `.cells/<hash>/`. */
export function cellId(key: string, seed: number): string {
  const id = key === '' ? `seed=${seed}` : `${key},seed=${seed}`;
  if (id.length <= MAX_ID_LENGTH) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${id.slice(0, MAX_ID_LENGTH - 17)}~${digest}`;
}

/** JSON with object keys sorted at every level (undefined fields dropped): one text per value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** The hash naming a config's cells folder: sha256 of the canonical JSON without `seeds`. */
export function configHash(config: object): string {
  const { seeds: _seeds, ...rest } = config as { seeds?: unknown };
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, CONFIG_HASH_LENGTH);
}
