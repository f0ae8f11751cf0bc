/**
 * Backend-agreement cases of core's MLP: plain, batch-norm and residual nets with sigmoid, tanh
 * and ReLU hidden units — the forward logits, the loss, ∂L/∂θ and ∂L/∂a_l by autodiff (through
 * the explicit-transpose matMul gradient that `initBackend` registers), and one SGD step with
 * momentum, weight decay and global-norm clipping.
 */
import { MLP, Rng, SGD, tf, type ActivationName } from '@gradlab/core';
import { parameterChange, snapshot, take } from './compare.js';
import type { CaseOutputs } from './compare.js';
import type { AgreementCase } from './agreement-case.js';

/** Net variants of the depth study. */
const VARIANTS = ['plain', 'batchnorm', 'residual'] as const;
/** Hidden activations compared. */
const ACTIVATIONS: ActivationName[] = ['sigmoid', 'tanh', 'relu'];

const BATCH = 8;
const SIZES = [10, 12, 12, 12, 4];

/**
 * Whether ∂L/∂θ is zero in exact arithmetic: a hidden layer's bias followed by batch norm (the
 * batch mean removes it), so its gradient and its SGD step are pure round-off.
 */
function zeroInExact(net: MLP, name: string): boolean {
  const m = /^layer(\d+)\.bias$/.exec(name);
  return net.spec.norm === 'batch' && m !== null && Number(m[1]) < net.depth;
}

function mlpOutputs(variant: (typeof VARIANTS)[number], act: ActivationName): CaseOutputs {
  const rng = new Rng(11);
  const net = new MLP(
    { layerSizes: SIZES, activation: act, init: act === 'relu' ? 'he-normal' : 'glorot-uniform', norm: variant === 'batchnorm' ? 'batch' : 'none', residual: variant === 'residual' },
    rng.fork('net'),
  );
  const x = rng.fork('x').normalTensor([BATCH, SIZES[0]!]);
  const y = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % SIZES[SIZES.length - 1]!), 'int32');
  const out: CaseOutputs = { 'fwd:logits': take(net.forward(x, { training: true })) };
  const g = net.gradients(x, y, 'softmax-cross-entropy');
  out['fwd:loss'] = [g.loss];
  for (const [k, v] of Object.entries(g.grads)) out[`${zeroInExact(net, k) ? 'roundoff-grad' : 'grad'}:${k}`] = Float32Array.from(v.dataSync());
  g.activationGrads.forEach((t, l) => (out[`grad:dL/da${l}`] = Float32Array.from(t.dataSync())));
  const before = snapshot(net.params);
  const opt = new SGD({ learningRate: 0.5, momentum: 0.9, weightDecay: 1e-3, clip: { mode: 'global-norm', max: 1 } });
  const report = opt.step(net.params, g.grads);
  out['grad:norm-preclip'] = [report.gradNormPreClip];
  for (const [k, v] of Object.entries(parameterChange(before, net.params))) out[zeroInExact(net, k.slice(5)) ? `roundoff-${k}` : k] = v;
  g.dispose();
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return out;
}

/** Nine cases: every variant × activation. */
export const MLP_CASES: AgreementCase[] = VARIANTS.flatMap((variant) =>
  ACTIVATIONS.map((act) => ({ family: 'core MLP', name: `${variant} ${act}`, run: () => mlpOutputs(variant, act) })),
);
