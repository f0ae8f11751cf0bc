/**
 * A Shapeset-3×2-like image set, after the one Glorot & Bengio (2010) used to show how
 * saturation and initialisation decide whether a deep sigmoid / tanh net learns at all.
 *
 * Each `size`×`size` gray image (default 32×32) holds one or two shapes, each an ellipse, a
 * triangle or a rectangle (the original used parallelograms; rectangles keep this generator
 * simple), with a random centre, radius, aspect ratio, rotation and gray level, painted over a
 * random gray background. The task is to name the shapes present, ignoring order and
 * occlusion: 3 single-shape classes plus 6 unordered pairs = 9 classes, numbered stably:
 *
 * | label | shapes              | label | shapes              |
 * |-------|---------------------|-------|---------------------|
 * | 0     | ellipse             | 5     | ellipse + rectangle |
 * | 1     | triangle            | 6     | triangle + triangle |
 * | 2     | rectangle           | 7     | triangle + rectangle|
 * | 3     | ellipse + ellipse   | 8     | rectangle+rectangle |
 * | 4     | ellipse + triangle  |       |                     |
 *
 * Per image: the class (balanced: each class ⌊n/9⌋ or ⌈n/9⌉ times, in random order); the
 * background level b ~ U[0, 1); for each shape (random paint order for pairs): radius
 * r ~ U[minRadius, maxRadius)·size, centre uniform in [r, size − r]² (so the shape lies inside
 * the image), rotation θ ~ U[0, 2π), aspect a ~ U[0.5, 1), gray level uniform on
 * [0, 1] minus (b − minContrast, b + minContrast). Each shape fits in the circle of radius r
 * about its centre: an ellipse with semi-axes r and a·r, a rectangle with half-diagonal r and
 * side ratio a, a triangle whose vertices lie on that circle at angles 2πj/3 + U(−0.4, 0.4).
 * The second shape is redrawn (up to 1000 times) until the two circles overlap by at most
 * half: centre distance ≥ (r1 + r2)/2, so neither shape hides the other entirely.
 * Pixels are painted with coverage from `supersample`² sub-pixel samples (anti-aliasing).
 *
 * Reference: X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
 * feedforward neural networks", AISTATS 2010 (section 2.1, Shapeset-3×2).
 */
import { z } from 'zod';
import { ValidationError } from '../errors/gradlab-error.js';
import { nonNegativeInt, parseOptions, positiveInt } from '../errors/schema.js';
import type { Rng } from '../random/rng.js';
import type { LabeledData } from './labeled-data.js';

/** The three shape types, in label order. */
export const SHAPESET_SHAPES = ['ellipse', 'triangle', 'rectangle'] as const;

/** A shape type. */
export type ShapesetShape = (typeof SHAPESET_SHAPES)[number];

/** Class names by label: 0–2 one shape, 3–8 the unordered pairs (see the file comment). */
export const SHAPESET_CLASSES: readonly string[] = [
  'ellipse',
  'triangle',
  'rectangle',
  'ellipse+ellipse',
  'ellipse+triangle',
  'ellipse+rectangle',
  'triangle+triangle',
  'triangle+rectangle',
  'rectangle+rectangle',
];

/** Default image side in pixels, as in Glorot & Bengio (2010). */
export const DEFAULT_SHAPESET_SIZE = 32;

/** Options of {@link shapeset}. */
export interface ShapesetConfig {
  /** Number of images (non-negative integer, required). */
  n: number;
  /** Image side in pixels (integer ≥ 8, default 32). */
  size?: number;
  /** Smallest shape radius as a fraction of `size` (default 0.15). */
  minRadius?: number;
  /** Largest shape radius as a fraction of `size` (default 0.35, at most 0.5). */
  maxRadius?: number;
  /** Smallest gray-level difference between a shape and the background (in [0, 0.5], default 0.25). */
  minContrast?: number;
  /** Sub-pixel samples per axis for anti-aliasing (1 = none; default 2). */
  supersample?: number;
}

/** The label of a set of shapes: one shape, or an unordered pair. */
export function shapesetLabel(first: ShapesetShape, second?: ShapesetShape): number {
  const a = SHAPESET_SHAPES.indexOf(first);
  if (a < 0) throw new ValidationError(`shapesetLabel: expected first to be one of ${SHAPESET_SHAPES.join(', ')}, got ${JSON.stringify(first)}`);
  if (second === undefined) return a;
  const b = SHAPESET_SHAPES.indexOf(second);
  if (b < 0) throw new ValidationError(`shapesetLabel: expected second to be one of ${SHAPESET_SHAPES.join(', ')}, got ${JSON.stringify(second)}`);
  return SHAPESET_CLASSES.indexOf(`${SHAPESET_SHAPES[Math.min(a, b)]}+${SHAPESET_SHAPES[Math.max(a, b)]}`);
}

/** The shape types of each label, e.g. 4 → [0, 1] (ellipse, triangle). */
const CLASS_SHAPES: readonly (readonly number[])[] = SHAPESET_CLASSES.map((name) =>
  name.split('+').map((s) => SHAPESET_SHAPES.indexOf(s as ShapesetShape)),
);

const fraction = (phrase: string) => z.number({ error: phrase }).gt(0, { error: phrase }).max(0.5, { error: phrase });

const schema = z
  .strictObject({
    n: nonNegativeInt(),
    size: positiveInt().min(8, { error: 'an integer >= 8' }).default(DEFAULT_SHAPESET_SIZE),
    minRadius: fraction('a number in (0, 0.5]').default(0.15),
    maxRadius: fraction('a number in (0, 0.5]').default(0.35),
    minContrast: z.number({ error: 'a number in [0, 0.5]' }).min(0, { error: 'a number in [0, 0.5]' }).max(0.5, { error: 'a number in [0, 0.5]' }).default(0.25),
    supersample: positiveInt().max(8, { error: 'an integer in [1, 8]' }).default(2),
  })
  .refine((c) => c.minRadius <= c.maxRadius, { error: 'at least minRadius', path: ['maxRadius'] });

interface Placed {
  kind: number;
  cx: number;
  cy: number;
  r: number;
  theta: number;
  aspect: number;
  level: number;
  /** Triangle vertex angles (local), unused for other kinds. */
  angles: [number, number, number];
}

function drawLevel(rng: Rng, background: number, contrast: number): number {
  const left = Math.max(0, background - contrast);
  const right = Math.max(0, 1 - (background + contrast));
  const t = rng.uniform(0, left + right);
  return t < left ? t : background + contrast + (t - left);
}

function drawShape(kind: number, rng: Rng, size: number, minR: number, maxR: number, background: number, contrast: number): Placed {
  const r = rng.uniform(minR, maxR) * size;
  return {
    kind,
    r,
    cx: rng.uniform(r, size - r),
    cy: rng.uniform(r, size - r),
    theta: rng.uniform(0, 2 * Math.PI),
    aspect: rng.uniform(0.5, 1),
    level: drawLevel(rng, background, contrast),
    angles: [0, 1, 2].map((j) => (2 * Math.PI * j) / 3 + rng.uniform(-0.4, 0.4)) as [number, number, number],
  };
}

/** Returns a point-in-shape test in image coordinates. */
function insideTest(s: Placed): (px: number, py: number) => boolean {
  const cos = Math.cos(s.theta);
  const sin = Math.sin(s.theta);
  if (s.kind === 0) {
    const a2 = s.r * s.r;
    const b2 = (s.r * s.aspect) ** 2;
    return (px, py) => {
      const dx = px - s.cx;
      const dy = py - s.cy;
      const u = cos * dx + sin * dy;
      const v = -sin * dx + cos * dy;
      return (u * u) / a2 + (v * v) / b2 <= 1;
    };
  }
  if (s.kind === 2) {
    const hw = s.r / Math.sqrt(1 + s.aspect * s.aspect);
    const hh = s.aspect * hw;
    return (px, py) => {
      const dx = px - s.cx;
      const dy = py - s.cy;
      return Math.abs(cos * dx + sin * dy) <= hw && Math.abs(-sin * dx + cos * dy) <= hh;
    };
  }
  // Triangle: vertices on the circle of radius r, rotated by theta.
  const vx = s.angles.map((a) => s.cx + s.r * Math.cos(a + s.theta));
  const vy = s.angles.map((a) => s.cy + s.r * Math.sin(a + s.theta));
  const edge = (i: number, j: number, px: number, py: number) => (vx[j]! - vx[i]!) * (py - vy[i]!) - (vy[j]! - vy[i]!) * (px - vx[i]!);
  return (px, py) => {
    const e0 = edge(0, 1, px, py);
    const e1 = edge(1, 2, px, py);
    const e2 = edge(2, 0, px, py);
    return (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0);
  };
}

function paint(image: Float32Array, offset: number, size: number, s: Placed, ss: number): void {
  const inside = insideTest(s);
  const x0 = Math.max(0, Math.floor(s.cx - s.r));
  const x1 = Math.min(size - 1, Math.ceil(s.cx + s.r));
  const y0 = Math.max(0, Math.floor(s.cy - s.r));
  const y1 = Math.min(size - 1, Math.ceil(s.cy + s.r));
  const total = ss * ss;
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) if (inside(px + (sx + 0.5) / ss, py + (sy + 0.5) / ss)) hits++;
      }
      if (hits === 0) continue;
      const cov = hits / total;
      const at = offset + py * size + px;
      image[at] = image[at]! * (1 - cov) + s.level * cov;
    }
  }
}

/**
 * Generates a Shapeset-3×2-like labelled image set (see the file comment for the process and
 * the 9 classes).
 * @param config `{ n, size = 32, minRadius = 0.15, maxRadius = 0.35, minContrast = 0.25, supersample = 2 }`
 * @param rng random stream; the label order comes from its fork `labels`, the images from
 *   its fork `images`
 * @returns `{ x: [n, size*size] gray levels in [0, 1], y: [n] in [0, 9), shape, numClasses: 9 }`
 * @throws ValidationError for a bad option (e.g. `shapeset: expected size to be an integer >= 8, got 4`)
 * @example const { x, y } = shapeset({ n: 1000 }, rng.fork('data/shapeset')) // x [1000, 1024]
 */
export function shapeset(config: ShapesetConfig, rng: Rng): LabeledData {
  const { n, size, minRadius, maxRadius, minContrast, supersample } = parseOptions('shapeset', schema, config);
  const numClasses = SHAPESET_CLASSES.length;
  const y = new Int32Array(n);
  const perm = rng.fork('labels').permutation(n);
  for (let i = 0; i < n; i++) y[perm[i]!] = i % numClasses;
  const d = size * size;
  const x = new Float32Array(n * d);
  const draw = rng.fork('images');
  for (let i = 0; i < n; i++) {
    const background = draw.uniform(0, 1);
    x.fill(background, i * d, (i + 1) * d);
    const kinds = CLASS_SHAPES[y[i]!]!;
    const order = kinds.length === 2 && draw.bernoulli(0.5) === 1 ? [kinds[1]!, kinds[0]!] : [...kinds];
    const first = drawShape(order[0]!, draw, size, minRadius, maxRadius, background, minContrast);
    paint(x, i * d, size, first, supersample);
    if (order.length === 2) {
      let second = drawShape(order[1]!, draw, size, minRadius, maxRadius, background, minContrast);
      for (let tries = 1; tries < 1000 && Math.hypot(second.cx - first.cx, second.cy - first.cy) < (first.r + second.r) / 2; tries++) {
        second = drawShape(order[1]!, draw, size, minRadius, maxRadius, background, minContrast);
      }
      paint(x, i * d, size, second, supersample);
    }
  }
  return { x, y, shape: [n, d], numClasses };
}
