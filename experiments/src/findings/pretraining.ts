/**
 * pretraining against Hinton, Osindero & Teh (2006): greedy layer-wise DBN pretraining before
 * backprop fine-tuning lowers the test error of a deep sigmoid net (MNIST 1.25% vs about 1.5%
 * for backprop alone). We run Fashion-MNIST (or synthetic images), so the comparison is of the
 * direction and the relative size of the gain, not of the error itself.
 */
import type { Row } from '@gradlab/lab';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { distinct, fmt, fmtSeeds, lastBy, mean, num, perSeed, pct, seedsText } from './stats.js';

/** Relative test-error reduction from which the gain counts (published: 1 − 1.25/1.51 ≈ 17%). */
export const MIN_RELATIVE_GAIN = 0.05;

export const pretrainingFinding: FindingFn = (rows, config): Finding => {
  const depth = Math.max(...(config['depths'] as number[]));
  const at = rows.filter((r) => r['depth'] === depth);
  const inits = distinct(at, 'init').map(String);
  const finalErr = (init: string) => perSeed(at.filter((r) => r['init'] === init && r['layer'] === 1), (rs) => num(lastBy(rs, 'epoch'), 'test_error'));
  const startGrad = (init: string) =>
    perSeed(at.filter((r) => r['init'] === init && r['epoch'] === 0), (rs: Row[]) => num(rs.find((r) => r['layer'] === 1), 'grad_l2') / num(rs.find((r) => r['layer'] === depth + 1), 'grad_l2'));
  const table = inits.map((i) => [i, fmtSeeds(finalErr(i)), fmtSeeds(startGrad(i))]);
  const random = finalErr('random');
  const dbn = finalErr('dbn');
  const gains = dbn.map((d, s) => 1 - d / random[s]!);
  const lower = gains.length > 0 && gains.every((g) => g > 0);
  const enough = lower && gains.every((g) => g >= MIN_RELATIVE_GAIN);
  const verdict: Verdict = random.length === 0 || dbn.length === 0 ? 'not' : enough ? 'reproduced' : lower || mean(gains) > 0 ? 'partly' : 'not';
  const seeds = (config['seeds'] as number[]).length;
  const width = config['width'] as number;
  return {
    setup:
      `sigmoid MLP 784-${Array(depth).fill(width).join('-')}-10 on Fashion-MNIST (synthetic images when it is not installed: see the notices), ` +
      `${config['trainSize']} training / ${config['testSize']} test images; init ${inits.join('/')} (random = ${config['randomInit']}); ${config['pretrainEpochs']} pretraining epochs per layer, ` +
      `${config['epochs']} fine-tuning epochs of SGD (lr ${config['learningRate']}, momentum ${config['momentum']}); ${seedsText(seeds)}.`,
    keyNumbers: { columns: ['init', 'final test error', `‖∂L/∂W_1‖ / ‖∂L/∂W_out‖ at the start of fine-tuning`], rows: table },
    published: {
      paper: 'Hinton, Osindero & Teh (2006), "A fast learning algorithm for deep belief nets", Neural Computation, Table 1',
      setup: 'MNIST, DBN 784-500-500-2000-10 pretrained greedily and fine-tuned, against backprop-only nets',
      figure: '1.25% test error for the DBN vs about 1.5% for the best backprop-only nets: a relative reduction of about 17%',
    },
    ours:
      `final test error random ${fmtSeeds(random)} vs DBN ${fmtSeeds(dbn)}${inits.includes('sdae') ? ` vs SDAE ${fmtSeeds(finalErr('sdae'))}` : ''}: relative reduction ${pct(mean(gains))} ` +
      '(Fashion-MNIST is harder than MNIST: compare the direction and relative size of the gain)',
    rule:
      `reproduced when the DBN-initialised net's final test error is lower than the random-init net's by at least ${pct(MIN_RELATIVE_GAIN)} (relative) in every seed; ` +
      'partly when it is lower but by less, or only on average; not otherwise.',
    verdict,
    why:
      `relative test-error reduction ${gains.map((g) => pct(g)).join(', ')} (per seed); at the start of fine-tuning ‖∂L/∂W_1‖ / ‖∂L/∂W_out‖ is ` +
      `${fmt(mean(startGrad('dbn')))} after DBN pretraining vs ${fmt(mean(startGrad('random')))} from random init` +
      ((config['epochs'] as number) < 10 ? ' (a quick-size run: indicative only).' : '.'),
  };
};
