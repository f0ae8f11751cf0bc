/**
 * conv-pretraining against Masci, Meier, Cireşan & Schmidhuber (2011): initialising a CNN with
 * the filters of a greedily trained stack of convolutional autoencoders "yields superior
 * performance" after supervised training (their abstract, on MNIST and CIFAR-10). The abstract
 * gives no size; their tables' numbers were not verified here, so the rule asks for a relative
 * test-error reduction of {@link MIN_CONV_GAIN}, our choice, in every seed.
 *
 * Per seed, each run's fine-tuning epoch is the one of least validation error (earliest on ties,
 * `selectEpoch` of the pretraining finding); the test error is read there once.
 */
import type { Finding, FindingFn, Row, Verdict } from '@gradlab/lab';
import type { ConvPretrainingConfig } from '../conv-pretraining.js';
import { selectEpoch } from './pretraining.js';
import { bySeed, countSeeds, fmt, fmtSeeds, holdsAcrossSeeds, kOfN, mean, pct, select, seedsText, type SeedCount } from './stats.js';

/** Relative test-error reduction (1 − e_scae / e_random) from which a seed counts as a clear gain. */
export const MIN_CONV_GAIN = 0.03;
/** Seeds a verdict of 'reproduced' needs (Fashion-MNIST cells take minutes each). */
export const MIN_CONV_PRETRAINING_SEEDS = 3;

/**
 * The verdict from the per-seed relative gains: reproduced when the gain is ≥ {@link MIN_CONV_GAIN}
 * in enough seeds (every seed below 5, all but one from 5 on) with at least
 * {@link MIN_CONV_PRETRAINING_SEEDS} seeds; partly when the gain is positive in enough seeds, or
 * its mean over seeds is; not otherwise. A NaN gain (a broken run) is neither positive nor enough.
 */
export function convPretrainingVerdict(gains: readonly number[]): { verdict: Verdict; lower: SeedCount; enough: SeedCount } {
  const lower = countSeeds(gains, (g) => g > 0);
  const enough = countSeeds(gains, (g) => g >= MIN_CONV_GAIN);
  const verdict: Verdict =
    gains.length === 0
      ? 'not'
      : holdsAcrossSeeds(enough) && gains.length >= MIN_CONV_PRETRAINING_SEEDS
        ? 'reproduced'
        : holdsAcrossSeeds(lower) || mean(gains) > 0
          ? 'partly'
          : 'not';
  return { verdict, lower, enough };
}

/** Per seed, the test error at the validation-selected epoch of one init's runs. */
export function selectedTestErrors(rows: readonly Row[], init: string): Map<string | number | boolean, number> {
  return bySeed(select(rows, { init }), (rs) => selectEpoch(rs).testError);
}

export const convPretrainingFinding: FindingFn<ConvPretrainingConfig> = (rows, config): Finding => {
  const random = selectedTestErrors(rows, 'random');
  const scae = selectedTestErrors(rows, 'scae');
  const seedsBoth = [...random.keys()].filter((s) => scae.has(s));
  const gains = seedsBoth.map((s) => 1 - scae.get(s)! / random.get(s)!);
  const { verdict, lower, enough } = convPretrainingVerdict(gains);
  const epochs = (init: string) => [...bySeed(select(rows, { init }), (rs) => selectEpoch(rs).epoch).values()].join(', ');
  const atStart = (init: string) => [...bySeed(select(rows, { init, split: 'test', epoch: 0 }), (rs) => (rs[0]?.['error'] as number) ?? NaN).values()];
  const table = (['random', 'scae'] as const)
    .filter((i) => select(rows, { init: i }).length > 0)
    .map((i) => {
      const sel = i === 'random' ? random : scae;
      return [i, fmtSeeds([...sel.values()]), epochs(i), String(sel.size), fmtSeeds(atStart(i))];
    });
  const seeds = config.seeds.length;
  const few = seeds < MIN_CONV_PRETRAINING_SEEDS;
  return {
    setup:
      `CNN with ${config.channels.length} ${config.activation} 5×5 "same" convolution layers of ${config.channels.join(', ')} maps, 2×2 max-pooling after each, a flattened softmax head; ` +
      `Fashion-MNIST (synthetic 28×28 images when it is not installed: see the notices), of the first ${config.trainSize} training images ${config.validationSize} held out at random per seed for validation; ` +
      `${config.testSize} test images; scae = ${config.pretrainEpochs} epochs per layer of tied-weight denoising conv autoencoders (masking ${config.daeNoise}, Adam ${config.pretrainLearningRate}); ` +
      `${config.epochs} fine-tuning epochs of Adam (lr ${config.learningRate}, batch ${config.batchSize}) for both inits, the epoch chosen by validation error; ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['init', 'test error at the validation-selected epoch (mean ± sd)', 'selected epoch per seed', 'n', 'test error before fine-tuning (head untrained)'],
      rows: table,
    },
    // Only the abstract (Springer's page of the chapter, LNCS 6791, pp. 52–59) could be read; no
    // copy of the paper's tables was found, so their error rates stay unquoted.
    published: {
      paper: 'Masci, Meier, Cireşan & Schmidhuber (2011), "Stacked convolutional auto-encoders for hierarchical feature extraction", ICANN, LNCS 6791 (abstract)',
      setup: 'MNIST and CIFAR-10; a CNN initialised with the filters of a greedily trained stack of max-pooling CAEs, against random init, both trained supervised',
      figure: '"Initializing a CNN with filters of a trained CAE stack yields superior performance" (the tables\' error rates were not verified here, so none is quoted)',
    },
    ours:
      `test error at the validation-selected epoch: random ${fmtSeeds([...random.values()])} vs stacked-CAE init ${fmtSeeds([...scae.values()])} (${seedsText(gains.length)}): ` +
      `relative reduction ${pct(mean(gains))} on the mean (Fashion-MNIST, not MNIST or CIFAR-10: compare the direction)`,
    rule:
      `per seed, the test error at each run's validation-selected epoch (least validation error, earliest on ties) and the relative reduction 1 − e_scae / e_random; ` +
      `reproduced when it is ≥ ${pct(MIN_CONV_GAIN)} in every seed (all but one from 5 seeds on) with at least ${MIN_CONV_PRETRAINING_SEEDS} seeds; ` +
      'partly when it is positive in those seeds, or on the mean over seeds; not otherwise (a broken run is never lower).',
    verdict,
    why:
      `relative reduction per seed ${gains.map((g) => pct(g)).join(', ') || 'n/a'}: positive in ${kOfN(lower)}, ≥ ${pct(MIN_CONV_GAIN)} in ${kOfN(enough)} seeds; ` +
      `before fine-tuning the untrained head gives test error ${fmt(mean(atStart('random')))} (random) vs ${fmt(mean(atStart('scae')))} (scae)` +
      (few ? `; only ${seedsText(seeds)} (reproduced needs ${MIN_CONV_PRETRAINING_SEEDS})` : '') +
      (config.epochs < 5 ? ' (a quick-size run: indicative only).' : '.'),
  };
};
