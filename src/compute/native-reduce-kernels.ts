// Sum and Mean over a block of axes in one native pass (src/compute/native, reduceSum), on the wasm
// heap. Registered by registerNativeGemm() on top of wasm's kernels and put back by
// unregisterNativeKernels(); EVOGAN_NATIVE_REDUCE=off leaves wasm's own in place (for comparisons;
// it also keeps wasm's LeakyRelu, see leaky-relu.ts).
//
// wasm reduces only over the innermost axes: for any other axes it first transposes x (a full copy)
// so that they come last. The reductions of a training step are
// over the leading axes: batch-norm moments (tf.moments over N, H, W), the gradient of every
// broadcast bias add (Σ of dy over N, H, W), and BigGAN's global sum pooling over H, W. For sorted,
// contiguous axes [a..b] of x, with
//   P = Π shape[0..a),  R = Π shape[a..b],  C = Π shape(b..rank)
// x is [P, R, C] in memory and
//   Sum:  out[p, c] = Σ_r x[p, r, c]        Mean: out[p, c] = (1/R) · Σ_r x[p, r, c]
// is one pass over x, adding whole rows of C floats into double accumulators (the cpu backend also
// sums in double). Axes given in any order or negative are normalised first; axis null (every axis)
// is the block [0..rank−1] (P = C = 1). What goes to the kernel that was there before: non-float32
// x, empty x, no axes, repeated or non-contiguous axes (e.g. [0, 2]), and innermost axes with P > 1
// (e.g. axis −1 of a [B, K] tensor), which wasm already reduces in place without a transpose.
//
// Measured on a 2-core AMD EPYC shared with other jobs (load average 5–8: absolute times are noisy,
// the ratios less so). "before" is EVOGAN_NATIVE_REDUCE=off EVOGAN_LEAKY_RELU_GRAD=tfjs (wasm's Sum,
// Mean and LeakyRelu, tfjs-core's LeakyRelu gradient), "after" the defaults; the OpenBLAS GEMM and
// convolutions are on in both.
// Kernels alone, ms, medians of 6 rounds of 15 calls alternating the two in one process:
//   Sum  [32,14,14,32] over [0,1,2] (D conv1 bias grad)      0.43  -> 0.088   x4.9
//   Mean [32,14,14,32] over [0,1,2], keepDims (BN moments)   0.32  -> 0.047   x6.9
//   Sum  [32,7,7,64] over [0,1,2]                            0.19  -> 0.024   x8
//   Sum  [32,28,28,1] over [0,1,2] (G's last bias grad)      0.063 -> 0.044   x1.4
//   Sum  [32,14,14,32] over [1,2] (BigGAN's sumSpatial)      0.30  -> 0.084   x3.6
//   Sum  [32,7,7,128] over [1,2]                             0.33  -> 0.079   x4.2
//   Sum  [32,14,14,32] over every axis                       0.15  -> 0.081   x1.9
//   LeakyRelu [32,14,14,32] forward (leaky-relu.ts)          1.17  -> 0.055   x21
//   LeakyRelu [32,7,7,64] forward                            0.57  -> 0.041   x14
//   LeakyRelu gradient [32,14,14,32]: Greater+Multiply+Select 2.1 -> Step+Multiply 0.14; tf.grad of
//   leakyRelu with its forward 2.2 -> 0.39 on wasm, 13.3 -> 13.2 on cpu.
// A [6272, 32] column sum (all values in [0.5, 2.5)) equals the cpu backend's exactly; wasm's own Sum
// is up to 2.9e-6 off (float accumulators).
// DCGAN plain iteration (28×28 MNIST, batch 32), `node --import tsx bench/profile-image-gan.ts
// --family dcgan --mutations heuristic`, 6 runs of each arm interleaved, medians:
//   kernels per iteration 439 -> 415 (Greater ×6, Select ×6 and 18 Identity gone, Step ×6 added);
//   kernel time 112 -> 62 ms; Sum ×20 15.3 -> 1.0 ms, Mean ×12 4.2 -> 1.0, LeakyRelu ×6 4.7 -> 0.5,
//   Greater 6.9 -> 0, Select 2.2 -> 0.
// `node --import tsx bench/image-gan-speed.ts --families dcgan --iterations 20`, 6 processes of each
// arm interleaved: plain 7.3 -> 9.3 it/s, E-GAN 2.1 -> 2.9 it/s (medians; median paired ratios
// x1.23 and x1.31; the last two plain pairs, run as the load average rose to 8, came out x0.58 and
// x0.96). The same trainers switching arms every 6 (plain) or 2 (E-GAN) iterations within one
// process, 12 rounds: plain 10.9 -> 12.2 it/s, E-GAN 1.7 -> 2.7 it/s, median paired ratios x1.26 and
// x1.42. BigGAN (bench/profile-image-gan.ts --family biggan, 2 runs each): Sum ×165 126/101 ->
// 37/39 ms; the only reductions left to wasm there are innermost ones ([32,196,49] over axis 2).
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOf, heapOffset as offset, KernelSwaps } from "./kernel-swaps.ts";

/** The addon's reduction entry point (evogan_native.cc); x and out are byte offsets into `heap`. */
export interface ReduceAddon {
  reduceSum(heap: ArrayBuffer, x: number, out: number, P: number, R: number, C: number, scale: number): void;
}

const swaps = new KernelSwaps("native-reduce");

/** True when wasm's kernel `name` (Sum by default) currently runs through the native reduction. */
export function nativeReduceActive(name = "Sum"): boolean {
  return swaps.active(name);
}

/** x as [P, R, C] with R the reduced block, and the output shape; undefined when the axes are not a block to run here. */
export interface ReductionBlock {
  readonly P: number;
  readonly R: number;
  readonly C: number;
  readonly outShape: number[];
}

export function reductionBlock(shape: readonly number[], axis: number | number[] | null | undefined, keepDims: boolean): ReductionBlock | undefined {
  const rank = shape.length;
  const given = axis == null ? shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const axes = given.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a, i) => !Number.isInteger(a) || a < 0 || a >= rank || (i > 0 && a !== axes[i - 1] + 1))) return undefined;
  const [a, b] = [axes[0], axes[axes.length - 1]];
  const P = tf.util.sizeFromShape(shape.slice(0, a));
  const R = tf.util.sizeFromShape(shape.slice(a, b + 1));
  const C = tf.util.sizeFromShape(shape.slice(b + 1));
  if (P * R * C === 0 || (b === rank - 1 && P > 1)) return undefined;
  const outShape = keepDims ? shape.map((d, i) => (i >= a && i <= b ? 1 : d)) : [...shape.slice(0, a), ...shape.slice(b + 1)];
  return { P, R, C, outShape };
}

/** Σ (or the mean) of x over `axis` natively, or undefined when it is not a reduction to run here. */
function reduce(g: ReduceAddon, backend: BackendWasm, x: tf.TensorInfo | undefined, attrs: tf.SumAttrs, mean: boolean): tf.TensorInfo | undefined {
  if (x == null || x.dtype !== "float32") return undefined;
  const block = reductionBlock(x.shape, attrs.axis, attrs.keepDims);
  if (!block) return undefined;
  const out = backend.makeOutput(block.outShape, "float32");
  g.reduceSum(heapOf(backend, out), offset(backend, x), offset(backend, out), block.P, block.R, block.C, mean ? 1 / block.R : 1);
  return out;
}

/** Puts back the Sum and Mean kernels that were registered before registerNativeReduce. */
export function unregisterNativeReduce(): void {
  swaps.restore();
}

/**
 * Routes wasm's Sum and Mean over a block of axes through the addon. Returns false, changing
 * nothing, for an addon built before reduceSum existed or with EVOGAN_NATIVE_REDUCE=off. Idempotent.
 */
export function registerNativeReduce(g: Partial<ReduceAddon>): boolean {
  if (process.env.EVOGAN_NATIVE_REDUCE === "off" || typeof g.reduceSum !== "function") return false;
  const addon = g as ReduceAddon;
  for (const [name, mean] of [["Sum", false], ["Mean", true]] as const) {
    swaps.replace(name, (previous) => (args) => reduce(addon, args.backend as BackendWasm, (args.inputs as tf.SumInputs).x, args.attrs as unknown as tf.SumAttrs, mean) ?? previous(args));
  }
  return true;
}
