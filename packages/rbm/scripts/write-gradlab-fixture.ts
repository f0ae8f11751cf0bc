// Writes test/fixtures/gradlab-rbm.safetensors and gradlab-rbm.json from a seeded gradlab
// BernoulliRBM (16 visible, 12 hidden), for `sklearn_crosscheck.py check` to load into
// scikit-learn. Run: npx tsx packages/rbm/scripts/write-gradlab-fixture.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, barsAndStripes, initBackend, tf } from '@gradlab/core';
import { BernoulliRBM, encodeRBM } from '../src/index.js';

/** The fixture model (also rebuilt by the tests, which compare bytes). */
export function fixtureModel(): BernoulliRBM {
  return new BernoulliRBM({ numVisible: 16, numHidden: 12, weightStd: 0.5, hiddenBias: -0.25, visibleMeans: new Array(16).fill(0.4) }, new Rng(2024));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await initBackend();
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
  const rbm = fixtureModel();
  const data = barsAndStripes(4);
  const x = tf.tensor2d(data.x, data.shape);
  const h = rbm.meanHidden(x);
  const f = rbm.freeEnergy(x);
  writeFileSync(join(dir, 'gradlab-rbm.safetensors'), encodeRBM(rbm));
  writeFileSync(join(dir, 'gradlab-rbm.json'), JSON.stringify({ meanHidden: h.arraySync(), freeEnergy: f.arraySync() }) + '\n');
  tf.dispose([x, h, f]);
  rbm.dispose();
}
