/**
 * The optimiser contract shared by SGD and Adam: parameters are named `tf.Variable`s (like a
 * PyTorch state_dict), gradients are tensors with the same names, and `step` updates the
 * variables in place. Each step optionally clips the raw gradients (before weight decay is
 * added, as a PyTorch user calls `clip_grad_norm_` before `optimizer.step()`) and returns a
 * {@link StepReport} with the global gradient norm before and after clipping, read back in one
 * transfer. Non-finite gradients are applied as PyTorch applies them and reported, never thrown:
 * divergence is data.
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { clipTensors, readClipSummary } from './clipping.js';
import type { ClipConfig } from './clipping.js';

/** Trainable parameters by name, e.g. `{ 'layer0.weight': W, 'layer0.bias': b }`. */
export type NamedVariables = Record<string, tf.Variable>;
/** Tensors by parameter name (gradients, statistics inputs). */
export type NamedTensors = Record<string, tf.Tensor>;

/** What one optimiser step saw. */
export interface StepReport {
  /**
   * Global L2 norm of the raw gradients (all tensors concatenated), before clipping; computed
   * scaled by the largest |entry|, so it is finite whenever every entry is (NaN with a NaN
   * entry, Infinity with ±Infinity).
   */
  gradNormPreClip: number;
  /** Global L2 norm of the gradients the update used, after clipping (= pre without clipping). */
  gradNormPostClip: number;
  /** Whether clipping changed the gradients this step. */
  clipped: boolean;
  /** Whether any gradient entry was NaN or ±Infinity (the update was still applied). */
  nonFinite: boolean;
}

/** Per-step values a subclass's update sees. */
export interface UpdateContext {
  /** Learning rate of this step. */
  learningRate: number;
  /** Steps taken before this one (0 on the first step). */
  stepIndex: number;
}

/**
 * Base class of gradlab's optimisers. Subclasses implement {@link Optimizer.update} for one
 * parameter; the base validates inputs, clips, reads back the norms and owns the state slots.
 */
export abstract class Optimizer {
  /** Clipping applied to the raw gradients at every step, if any. */
  readonly clip: ClipConfig | undefined;
  /** Name used in error messages ('SGD', 'Adam'). */
  protected readonly where: string;
  private lr: number;
  private steps = 0;
  private disposed = false;
  private readonly slots = new Map<string, tf.Variable>();

  protected constructor(where: string, learningRate: number, clip: ClipConfig | undefined) {
    this.where = where;
    this.lr = learningRate;
    this.clip = clip;
  }

  /** Learning rate of the next step; set it between steps to follow a schedule (finite, ≥ 0). */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalidArgument(this.where, 'learningRate', value, 'a finite number >= 0');
    }
    this.lr = value;
  }

  /** Number of steps taken since construction or the last {@link Optimizer.reset}. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Applies one update to `params` in place (`Variable.assign`).
   *
   * Parameters without a gradient in `grads` are skipped (as PyTorch skips `p.grad is None`);
   * every name in `grads` must be a parameter with the same shape and dtype.
   * @param params the variables to update, by name
   * @param grads ∂L/∂θ by the same names; not changed and not disposed (the caller owns them)
   * @returns the global gradient norm before / after clipping (never overflowing: finite
   *   whenever every entry is), whether clipping acted, and whether any gradient entry was
   *   non-finite; one readback
   * @throws ValidationError for an unknown gradient name, a non-tensor, a disposed optimiser
   * @throws ShapeError when a gradient's shape differs from its parameter's
   */
  step(params: NamedVariables, grads: NamedTensors): StepReport {
    const names = this.checkInputs(params, grads);
    const stepIndex = this.steps;
    const ctx: UpdateContext = { learningRate: this.lr, stepIndex };
    this.beforeStep(stepIndex);
    const raw = names.map((n) => grads[n]!);
    const summary = tf.tidy(() => {
      const clipped = clipTensors(raw, this.clip);
      names.forEach((n, i) => this.update(n, params[n]!, clipped.grads[i]!, ctx));
      return clipped.summary;
    });
    const s = readClipSummary(summary.dataSync());
    summary.dispose();
    this.steps += 1;
    return {
      gradNormPreClip: s.preNorm,
      gradNormPostClip: s.postNorm,
      clipped: s.clipped,
      // The norm is scaled by the largest |entry|, so it is finite exactly when every entry is.
      nonFinite: !Number.isFinite(s.preNorm),
    };
  }

  /** Forgets all state (momentum buffers, moment estimates, step counts); keeps the settings. */
  reset(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
    this.steps = 0;
    this.onReset();
  }

  /** Frees the optimiser's state tensors; the optimiser cannot step afterwards. */
  dispose(): void {
    this.reset();
    this.disposed = true;
  }

  /**
   * Updates one parameter; runs inside `tf.tidy`. Use {@link Optimizer.getSlot} /
   * {@link Optimizer.setSlot} for state that lives across steps.
   * @param name parameter name
   * @param param the variable to assign
   * @param grad its (clipped) gradient, same shape
   */
  protected abstract update(name: string, param: tf.Variable, grad: tf.Tensor, ctx: UpdateContext): void;

  /** Hook run before each step, outside tidy (validate schedules here). */
  protected beforeStep(_stepIndex: number): void {}

  /** Hook run by {@link Optimizer.reset} after the slots are freed. */
  protected onReset(): void {}

  /** The state tensor `kind` of parameter `name`, or undefined before it is first set. */
  protected getSlot(kind: string, name: string, shape: readonly number[]): tf.Variable | undefined {
    const v = this.slots.get(`${kind}\u0000${name}`);
    if (v !== undefined && !sameShape(v.shape, shape)) {
      throw new ShapeError(
        `${this.where}.step: expected params[${JSON.stringify(name)}] to keep the shape ${describeValue(v.shape)} it had when its state was created, got ${describeValue([...shape])}`,
        { hint: 'call reset() before stepping a different model' },
      );
    }
    return v;
  }

  /** Stores `value` as state `kind` of parameter `name` (creating or assigning the slot). */
  protected setSlot(kind: string, name: string, value: tf.Tensor): tf.Variable {
    const key = `${kind}\u0000${name}`;
    const v = this.slots.get(key);
    if (v !== undefined) {
      v.assign(value);
      return v;
    }
    const created = tf.variable(value, false);
    this.slots.set(key, created);
    return created;
  }

  private checkInputs(params: NamedVariables, grads: NamedTensors): string[] {
    const where = `${this.where}.step`;
    if (this.disposed) throw new ValidationError(`${where}: this optimizer was disposed`);
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw invalidArgument(where, 'params', params, 'an object of tf.Variable keyed by name');
    }
    if (grads === null || typeof grads !== 'object' || Array.isArray(grads)) {
      throw invalidArgument(where, 'grads', grads, 'an object of tensors keyed by parameter name');
    }
    for (const n of Object.keys(grads)) {
      if (!Object.hasOwn(params, n)) {
        throw new ValidationError(
          `${where}: expected every name in grads to be a parameter, got ${JSON.stringify(n)}; params are ${Object.keys(params).join(', ')}`,
        );
      }
    }
    const names = Object.keys(params).filter((n) => Object.hasOwn(grads, n) && grads[n] !== undefined);
    for (const n of names) {
      const p = params[n];
      const g = grads[n];
      const field = JSON.stringify(n);
      if (!(p instanceof tf.Variable)) throw invalidArgument(where, `params[${field}]`, p, 'a tf.Variable');
      if (!(g instanceof tf.Tensor)) throw invalidArgument(where, `grads[${field}]`, g, 'a tf.Tensor');
      if (p.isDisposed) throw invalidArgument(where, `params[${field}]`, 'a disposed variable', 'a live tf.Variable');
      if (g.isDisposed) throw invalidArgument(where, `grads[${field}]`, 'a disposed tensor', 'a live tf.Tensor');
      if (!sameShape(p.shape, g.shape)) {
        throw new ShapeError(
          `${where}: expected grads[${field}] to have shape ${describeValue(p.shape)} (the shape of params[${field}]), got ${describeValue(g.shape)}`,
        );
      }
      if (p.dtype !== g.dtype) {
        throw invalidArgument(where, `grads[${field}].dtype`, g.dtype, `${JSON.stringify(p.dtype)} (the dtype of params[${field}])`);
      }
    }
    return names;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
