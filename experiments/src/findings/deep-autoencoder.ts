/**
 * deep-autoencoder against Hinton & Salakhutdinov (2006): an RBM-pretrained deep autoencoder
 * reconstructs far better than the PCA-type baseline, while the same autoencoder from small
 * random weights learns little more than the mean image.
 */
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { fmt, fmtSeeds, lastBy, mean, num, perSeed, seedsText } from './stats.js';

/** RBM/random final error ratio at or below which the gain counts as large (published 3.00/8.01 ≈ 0.37). */
export const LARGE_GAIN_RATIO = 0.5;
/** Ratio below which there is some gain. */
export const SOME_GAIN_RATIO = 0.9;

export const deepAutoencoderFinding: FindingFn = (rows, config): Finding => {
  const test = rows.filter((r) => r['split'] === 'test');
  const finalErr = (init: string) => perSeed(test.filter((r) => r['init'] === init), (rs) => num(lastBy(rs, 'epoch'), 'recon_error'));
  const startErr = (init: string) => perSeed(test.filter((r) => r['init'] === init && r['epoch'] === 0), (rs) => num(rs[0], 'recon_error'));
  const random = finalErr('random');
  const rbm = finalErr('rbm');
  const ratios = rbm.map((e, i) => e / random[i]!);
  const verdict: Verdict =
    ratios.length === 0 ? 'not' : ratios.every((r) => r <= LARGE_GAIN_RATIO) ? 'reproduced' : ratios.every((r) => r < SOME_GAIN_RATIO) || mean(ratios) < SOME_GAIN_RATIO ? 'partly' : 'not';
  const sizes = (config['layerSizes'] as number[]).join('-');
  const seeds = (config['seeds'] as number[]).length;
  return {
    setup:
      `deep autoencoder ${sizes} (mirrored decoder, logistic units, linear code) on Fashion-MNIST (synthetic images when it is not installed: see the notices), ` +
      `${config['trainSize']} training / ${config['testSize']} test images; random init ${config['randomInit']} vs CD-1 RBM pretraining (${config['pretrainEpochs']} epochs per layer); ` +
      `${config['epochs']} fine-tuning epochs (${config['optimizer']}, lr ${config['learningRate']}); ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['init', 'test error at epoch 0', 'final test error (Σ (x − x̂)² per image)'],
      rows: ['random', 'rbm'].map((i) => [i, fmtSeeds(startErr(i)), fmtSeeds(finalErr(i))]),
    },
    published: {
      paper: 'Hinton & Salakhutdinov (2006), "Reducing the dimensionality of data with neural networks", Science 313, Fig. 2 and text',
      setup: 'MNIST, autoencoder 784-1000-500-250-30, RBM-pretrained then fine-tuned by backprop (a larger net and more data than ours)',
      figure:
        'average squared reconstruction error per test image 3.00 for the pretrained deep autoencoder vs 8.01 for the PCA-based baseline; without pretraining the deep autoencoder reconstructs little more than the average image',
    },
    ours: `final test error per image: RBM-pretrained ${fmtSeeds(rbm)} vs random init ${fmtSeeds(random)} (ratio ${fmt(mean(ratios))}; published pretrained/baseline ${fmt(3.0 / 8.01)})`,
    rule:
      `reproduced when the RBM-pretrained autoencoder's final test error is at most ${LARGE_GAIN_RATIO}× the random-init one's in every seed; ` +
      `partly when it is below ${SOME_GAIN_RATIO}× (every seed or on average); not otherwise.`,
    verdict,
    why:
      `the pretrained/random error ratio is ${ratios.map((r) => fmt(r)).join(', ')} (per seed)` +
      ((config['epochs'] as number) < 10 ? ' (a quick-size run: indicative only).' : '.'),
  };
};
