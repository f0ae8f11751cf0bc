/**
 * Copy-free slicing on the wasm backend. tfjs-backend-wasm 4.22's `Slice` kernel first reads
 * its whole source out of the wasm heap (`readSync` copies every element into a new JS
 * buffer), then copies the slice from that copy; `Unpack` (`tf.unstack`) and `SplitV`
 * (`tf.split`) call it once per piece, so cutting a tensor into n pieces copies the source n
 * times. The kernels here read the source in place through a view of the heap and copy only
 * the slice's rows: the same bytes (a slice is a copy; no arithmetic), in O(slice) instead of
 * O(source). Registered by `initBackend` when the wasm backend loads; registering again is a
 * no-op.
 *
 * Reference: tfjs-backend-wasm `src/kernels/Slice.ts`, `Unpack.ts`, `SplitV.ts` (replaced).
 */
import { tf } from './tf.js';

/** What this file needs of tfjs-backend-wasm's `BackendWasm` (stable within 4.x). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: unknown };

let registered = false;

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}

/**
 * x[begin : begin + size] as a new tensor: the innermost runs of the slice are copied from a
 * view of x's heap memory. Call only with numeric dtypes.
 */
function sliceInPlace(x: tf.TensorInfo, begin: readonly number[], size: readonly number[], backend: WasmBackendLike): tf.TensorInfo {
  // makeOutput may grow the heap, which detaches older views: take the views after it.
  const out = backend.makeOutput([...size], x.dtype);
  const n = size.reduce((a, b) => a * b, 1);
  if (n === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const xs = strides(x.shape);
  if (rank === 0) {
    dst[0] = src[0]!;
    return out;
  }
  // Merge the trailing axes that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[inner]!;
  while (inner > 0 && size[inner] === x.shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner]!;
  }
  let base = 0;
  for (let a = 0; a < rank; a++) base += begin[a]! * xs[a]!;
  const outer = n / run;
  const index = new Array<number>(inner).fill(0);
  let offset = base;
  for (let r = 0; r < outer; r++) {
    dst.set(src.subarray(offset, offset + run), r * run);
    // Advance the multi-index over axes [0, inner) (odometer order).
    for (let a = inner - 1; a >= 0; a--) {
      index[a]!++;
      offset += xs[a]!;
      if (index[a]! < size[a]!) break;
      offset -= index[a]! * xs[a]!;
      index[a] = 0;
    }
  }
  return out;
}

/** Registers the copy-free Slice, Unpack and SplitV kernels for the wasm backend (idempotent). */
export function registerWasmSliceKernels(): void {
  if (registered) return;
  const original = {
    Slice: tf.getKernel('Slice', 'wasm'),
    Unpack: tf.getKernel('Unpack', 'wasm'),
    SplitV: tf.getKernel('SplitV', 'wasm'),
  };
  if (original.Slice === undefined || original.Unpack === undefined || original.SplitV === undefined) return;
  registered = true;
  const replace = (name: keyof typeof original, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]) => {
    const fallback = original[name]!.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ((args: KernelArgs) => {
        const x = Object.values(args.inputs)[0]!;
        return x.dtype === 'string' || x.dtype === 'complex64' ? fallback(args) : kernelFunc(args);
      }) as unknown as tf.KernelFunc,
    });
  };
  replace('Slice', ({ inputs, attrs, backend }) => {
    const x = inputs['x']!;
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs['begin'] as number[], attrs['size'] as number[]);
    return sliceInPlace(x, begin, size, backend as WasmBackendLike);
  });
  replace('Unpack', ({ inputs, attrs, backend }) => {
    const value = inputs['value']!;
    const rank = value.shape.length;
    let axis = attrs['axis'] as number;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]!; i++) {
      begin[axis] = i;
      const piece = sliceInPlace(value, begin, size, backend as WasmBackendLike);
      outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
    }
    return outs;
  });
  replace('SplitV', ({ inputs, attrs, backend }) => {
    const x = inputs['x']!;
    const rank = x.shape.length;
    let axis = attrs['axis'] as number;
    if (axis < 0) axis += rank;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs['numOrSizeSplits'] as number | number[], axis);
    const begin = new Array<number>(rank).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = sliceInPlace(x, begin, size, backend as WasmBackendLike);
      begin[axis]! += s;
      return piece;
    });
  });
}
