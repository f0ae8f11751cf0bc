/**
 * How the charts of an experiment run over several seeds show them: the line is the seeds'
 * mean and a band spans them, min–max (on a log axis a ± std band could dip below zero); a
 * single seed is drawn as it is, and the title says which.
 */

/** The chart's `band` setting and the title's note ("mean of 5 seeds, band min–max" or "seed 1"). */
export function seedBand(seeds: readonly number[]): { band: 'minmax' | 'none'; note: string } {
  return seeds.length > 1
    ? { band: 'minmax', note: `mean of ${seeds.length} seeds, band min–max` }
    : { band: 'none', note: `seed ${seeds[0]}` };
}
