// Convolutions through the native OpenBLAS GEMM (src/compute/native), on the wasm heap.
// Registered by registerNativeGemm() on top of whatever 'wasm' kernel is in place (wasm's own, or
// evogan's wasm-conv-kernels.ts replacements), and put back by unregisterNativeKernels().
//
// Each kernel is im2col (or col2im) plus GEMM, in C++ (evogan_native.cc), NHWC float32:
//   Conv2D                y[M, Co]  = cols[M, K] · w[K, Co]
//   Conv2DBackpropInput   dx        = col2im(dy[M, Co] · w[K, Co]ᵀ)   (also conv2dTranspose's forward)
//   Conv2DBackpropFilter  dW[K, Co] = cols[M, K]ᵀ · dy[M, Co]
//   FusedConv2D           Conv2D, then + bias and linear/relu in place
// with M = B·OH·OW output pixels, K = kh·kw·Ci, cols[m] the (zero-padded) input window of pixel m,
// built a chunk of pixels at a time in a small C++ scratch buffer. No zeros are multiplied: a
// strided conv2dTranspose scatters each product into dx (col2im) instead of inserting zeros.
// NCHW, dilations ≠ 1, non-float32, empty tensors, and FusedConv2D with another activation, prelu
// weights or a bias other than [Co] or [1] go to the kernel that was there before.
//
// Why all four are routed natively: on every shape measured native was faster. Medians in ms,
// `node --import tsx bench/conv-kernels.ts --arm native --reps 15` (calls alternating with the
// kernels of registerWasmKernels — XNNPACK Conv2D, evogan's JS Conv2DBackpropInput/Filter —
// OpenBLAS matmuls in both; 2-core AMD EPYC with a load average of ~7 from other jobs, so the
// absolute numbers are noisy, the ratios less so; bench/results/conv-kernels.jsonl):
//                                               batch 32           batch 64
//   x[B,28,28,1] w[4,4,1,32] /2 'same' (D conv1; G convT2 reads it backwards)
//     Conv2D (D fwd, convT2 input grad)      0.46 -> 0.29       0.90 -> 0.55
//     Conv2DBackpropInput (D dx, convT2 fwd) 0.78 -> 0.23       1.34 -> 0.49
//     Conv2DBackpropFilter                   1.28 -> 0.28       2.62 -> 0.66
//   x[B,14,14,32] w[4,4,32,64] /2 'same' (D conv2; G convT1 x[B,7,7,64] -> [B,14,14,32])
//     Conv2D                                12.4  -> 1.52      10.7  -> 2.83
//     Conv2DBackpropInput                   11.9  -> 1.52      13.8  -> 3.06
//     Conv2DBackpropFilter                   8.34 -> 1.52      12.1  -> 5.34
//   BigGAN-like 3x3 /1 'same' x[B,14,14,32] w[3,3,32,32]
//     Conv2D                                 7.61 -> 1.99      11.1  -> 3.77
//     Conv2DBackpropInput                    7.25 -> 1.98      11.2  -> 7.66
//     Conv2DBackpropFilter                  10.6  -> 1.81      20.2  -> 7.48
//   1x1 /1 x[B,14,14,64] w[1,1,64,32] (no im2col: x is the GEMM operand)
//     Conv2D                                 0.79 -> 0.32       1.75 -> 0.91
//     Conv2DBackpropInput                    0.83 -> 0.34       1.66 -> 0.70
//     Conv2DBackpropFilter                   2.98 -> 0.49      10.3  -> 1.05
//   whole G+D forward+backward: small DCGAN batch 16 / 32 / 64   60 / 91 / 221 -> 39 / 47 / 149;
//   BigGAN-like batch 16, ch 32   472 -> 237.
// FusedConv2D (no model uses it yet) is Conv2D plus one bias/relu pass over y, not timed apart.
// With few input channels (Ci = 1 above) OpenBLAS runs the K = 16 product at well under its peak;
// it still beat XNNPACK there once the im2col copied such short rows with plain loops.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOf, heapOffset as offset, KernelSwaps } from "./kernel-swaps.ts";

/** The addon's convolution entry points (evogan_native.cc); operands are byte offsets into `heap`. */
export interface ConvAddon {
  conv2d(heap: ArrayBuffer, x: number, w: number, y: number, ...geometry: Geometry): void;
  conv2dBackpropInput(heap: ArrayBuffer, dy: number, w: number, dx: number, ...geometry: Geometry): void;
  conv2dBackpropFilter(heap: ArrayBuffer, x: number, dy: number, dw: number, ...geometry: Geometry): void;
  biasAct(heap: ArrayBuffer, cOff: number, rows: number, n: number, biasOff: number, biasLen: number, relu: number): void;
}

/** B, H, W, Ci, OH, OW, Co, kh, kw, sh, sw, padTop, padLeft. */
type Geometry = [number, number, number, number, number, number, number, number, number, number, number, number, number];

function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

const swaps = new KernelSwaps("native-conv");

/** True when wasm's kernel `name` (Conv2D by default) currently runs through the native GEMM. */
export function nativeConvActive(name = "Conv2D"): boolean {
  return swaps.active(name);
}

const isOne = (v: number | [number, number] | undefined): boolean => v == null || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/** A rank-4, float32, non-empty tensor: what the native kernels take (in NHWC). */
function plain(x: tf.TensorInfo | undefined): x is tf.TensorInfo {
  return x != null && x.dtype === "float32" && x.shape.length === 4 && tf.util.sizeFromShape(x.shape) > 0;
}

const nhwc = (dataFormat: string | undefined): boolean => dataFormat == null || dataFormat === "NHWC";

type Shape4 = [number, number, number, number];

function convInfo(xShape: number[], filterShape: number[], attrs: { strides: [number, number] | number; pad: tf.Conv2DAttrs["pad"]; dimRoundingMode?: "floor" | "round" | "ceil" }): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, "channelsLast");
}

/** y = conv2d(x, filter) natively, or undefined when the shapes are not ones to run here. */
function conv2d(g: ConvAddon, backend: BackendWasm, x: tf.TensorInfo | undefined, filter: tf.TensorInfo | undefined, attrs: tf.Conv2DAttrs): tf.TensorInfo | undefined {
  if (!nhwc(attrs.dataFormat) || !plain(x) || !plain(filter) || !isOne(attrs.dilations) || filter.shape[2] !== x.shape[3]) return undefined;
  const info = convInfo(x.shape, filter.shape, attrs);
  if (tf.util.sizeFromShape(info.outShape) === 0) return undefined;
  const y = backend.makeOutput(info.outShape, "float32");
  g.conv2d(heapOf(backend, y), offset(backend, x), offset(backend, filter), offset(backend, y), ...geometry(info));
  return y;
}

/** Puts back the conv kernels that were registered before registerNativeConv. */
export function unregisterNativeConv(): void {
  swaps.restore();
}

/**
 * Routes wasm's Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter (where they are
 * registered) through the addon. Returns false, changing nothing, for an addon built before these
 * entry points existed. Idempotent.
 */
export function registerNativeConv(g: Partial<ConvAddon>): boolean {
  if (typeof g.conv2d !== "function" || typeof g.conv2dBackpropInput !== "function" || typeof g.conv2dBackpropFilter !== "function" || typeof g.biasAct !== "function") return false;
  const addon = g as ConvAddon;
  swaps.replace("Conv2D", (previous) => (args) => {
    const { x, filter } = args.inputs as tf.Conv2DInputs;
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    return conv2d(addon, args.backend as BackendWasm, x, filter, attrs) ?? previous(args);
  });
  swaps.replace("FusedConv2D", (previous) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as tf.FusedConv2DInputs;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const co = filter?.shape[3];
    const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
    const plainBias = bias == null || (bias.dtype === "float32" && (biasSize === 1 || (biasSize === co && bias.shape[bias.shape.length - 1] === co)));
    if (preluActivationWeights != null || !(attrs.activation === "linear" || attrs.activation === "relu") || !plainBias) return previous(args);
    const backend = args.backend as BackendWasm;
    const y = conv2d(addon, backend, x, filter, attrs);
    if (!y) return previous(args);
    if (bias != null || attrs.activation === "relu") {
      const n = y.shape[3];
      const biasOff = bias != null ? offset(backend, bias) : -1;
      addon.biasAct(heapOf(backend, y), offset(backend, y), tf.util.sizeFromShape(y.shape) / n, n, biasOff, biasSize, attrs.activation === "relu" ? 1 : 0);
    }
    return y;
  });
  swaps.replace("Conv2DBackpropInput", (previous) => (args) => {
    const { dy, filter } = args.inputs as tf.Conv2DBackpropInputInputs;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (!nhwc(attrs.dataFormat) || !plain(dy) || !plain(filter) || attrs.inputShape?.length !== 4 || tf.util.sizeFromShape(attrs.inputShape) === 0) return previous(args);
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    if (!tf.util.arraysEqual(dy.shape, info.outShape) || filter.shape[2] !== attrs.inputShape[3]) return previous(args);
    const backend = args.backend as BackendWasm;
    const dx = backend.makeOutput(attrs.inputShape.slice(), "float32");
    addon.conv2dBackpropInput(heapOf(backend, dx), offset(backend, dy), offset(backend, filter), offset(backend, dx), ...geometry(info));
    return dx;
  });
  swaps.replace("Conv2DBackpropFilter", (previous) => (args) => {
    const { x, dy } = args.inputs as tf.Conv2DBackpropFilterInputs;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!nhwc(attrs.dataFormat) || !plain(x) || !plain(dy) || attrs.filterShape?.length !== 4 || tf.util.sizeFromShape(attrs.filterShape) === 0) return previous(args);
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    if (!tf.util.arraysEqual(dy.shape, info.outShape) || attrs.filterShape[2] !== x.shape[3]) return previous(args);
    const backend = args.backend as BackendWasm;
    const dw = backend.makeOutput(attrs.filterShape.slice(), "float32");
    addon.conv2dBackpropFilter(heapOf(backend, dw), offset(backend, x), offset(backend, dy), offset(backend, dw), ...geometry(info));
    return dw;
  });
  return true;
}
