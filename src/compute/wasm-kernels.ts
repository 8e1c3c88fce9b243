/**
 * Extra and replacement kernels for the TensorFlow.js 'wasm' backend
 * (@tensorflow/tfjs-backend-wasm 4.22). Call `registerWasmKernels()` right after
 * `await tf.setBackend('wasm')`; it is idempotent.
 *
 * Why each kernel exists (median timings on the project's 2-core dev machine,
 * Node 20, wasm SIMD, single-threaded; "before" = stock tfjs-backend-wasm):
 *
 * - Conv2DBackpropFilter: not registered for 'wasm' at all, so `tf.grad` of a
 *   conv2d / conv2dTranspose w.r.t. its filter throws "Kernel
 *   'Conv2DBackpropFilter' not registered for backend 'wasm'". It is built from
 *   kernels wasm does have:
 *     dW[kh,kw,ci,co] = Σ_{b,oh,ow} xpad[b, oh·sh + kh, ow·sw + kw, ci] · dy[b,oh,ow,co]
 *   x is transposed to [ci, H, W, b] (the batch becomes the channel axis), dy
 *   to [oh, ow, b, co] and used as the filter of a stride-1 Conv2D (XNNPACK)
 *   whose dilation is the forward stride and whose explicit padding is the
 *   forward padding (plus extra zero rows/cols at the bottom/right when a
 *   'ceil'/'round' dimRoundingMode makes the last window hang over the edge,
 *   which the cpu backend treats as zeros too). The [ci, ≥kh, ≥kw, co] result
 *   is sliced to [ci, kh, kw, co] and transposed to [kh, kw, ci, co]. NHWC and
 *   NCHW are supported; the kernel has no dilations attr (tfjs refuses
 *   gradients of dilated convs before it gets here).
 *     x [32,16,16,32], 4x4x32x64 filter, stride 2 'same': 6.0 ms (22 GFLOPS);
 *     the cpu backend's kernel takes ~8 s for the same.
 *
 * - BatchMatMul: wasm only takes the XNNPACK fully-connected path (~36
 *   GFLOPS) for batch-1, non-transposed operands; anything else runs a naive
 *   blocked triple loop, and every dense-layer gradient uses transposed
 *   matmuls:
 *     [256,512] x [512,512]^T                    3.1 GFLOPS  ->  25.7
 *     [512,256]^T x [256,512] (a stored [256,512]) 1.3 GFLOPS  ->  30.2
 *     [3,64,512] x [3,512,512]                   1.6 GFLOPS  ->  20.1
 *     [256,512] x [512,512] (already fast)      35.9 GFLOPS  ->  35.7 (passed through)
 *   The wrapper (a) materialises transposed operands with a 16x16-tiled JS
 *   copy on the wasm heap (0.45 ms for 512x512; wasm's own Transpose kernel
 *   takes 1.8 ms), (b) folds a's batch into its rows when b has batch 1 (one
 *   2-D product), otherwise runs each broadcast batch element as its own
 *   batch-1 product (each operand matrix extracted and transposed in one copy)
 *   written into the output, (c) passes plain batch-1 calls straight to the
 *   original kernel. Two-sided batch broadcasting ([2,1,..] x [1,3,..]) comes
 *   out right, which the stock cpu and wasm kernels get wrong (they fill only
 *   max(batchA, batchB) slices).
 *
 * - _FusedMatMul: the same speed problem, and the original's slow path is
 *   also *wrong* whenever a bias is given: the naive loop adds the bias (and
 *   clamps for relu/relu6) once per 48-wide block of the shared dimension and
 *   indexes it as min(i·N + j, size-1), so e.g. a transposeB matmul with bias
 *   is off by ~1.0 against the cpu backend; a rank-1 bias of size 1 reads out
 *   of bounds even on the fast path.
 *     [256,512] x [512,512]^T + bias + relu      2.7 GFLOPS  ->  25.1
 *   The wrapper calls the original fused kernel only on its fast path (after
 *   materialising transposes and folding a's batch; bias of shape [N]; prelu
 *   weights that tile the output) and otherwise computes matMul -> Add(bias)
 *   -> activation unfused, as tfjs-core itself does when it does not fuse.
 *
 * Conv-training kernels (wasm-conv-kernels.ts; helpers in wasm-conv-util.ts).
 * Timings from `node --import tsx bench/conv-kernels.ts` (medians of calls
 * alternating with the wasm kernel they replace, on the shared 2-core dev
 * machine, load ~2; bench/results/conv-kernels.jsonl):
 *
 * - Conv2DBackpropInput (conv's input gradient; the forward of
 *   conv2dTranspose). wasm's own kernel is a scalar loop (~4 GFLOPS). The
 *   replacement is one XNNPACK stride-1 Conv2D: along each axis the dx rows of
 *   one stride phase r (i + pad ≡ r mod s) are a stride-1 correlation of dy
 *   with the taps r, r+s, ... of the filter, reversed. All s_h·s_w phases go
 *   into one filter [⌈kh/sh⌉, ⌈kw/sw⌉, co, sh·sw·ci] (taps past the filter are
 *   0) applied to dy with explicit padding; a JS gather (memmove per pixel for
 *   >= 16 channels) interleaves the phases into dx and crops the padding.
 *   Stride 1 without cropping returns the conv output itself. No zero
 *   insertion, so no work is spent on zeros (zero insertion costs s² times
 *   the work). With stride 1 and <= 4 input channels (a discriminator's first
 *   layer) XNNPACK is slow at that few output channels, so dx comes from
 *   cols = dy·Wᵀ ([n·oh·ow, co] x [co, kh·kw·ci], one product) added into the
 *   windows of dx in JS (col2im). NHWC float32 with strides >= 1, 'same',
 *   'valid', explicit padding and any dimRoundingMode; NCHW and anything else
 *   goes to the original kernel.
 *     convT [16,7,7,64]->[16,14,14,32] 4x4/2 (DCGAN G)   12.9 ms -> 2.3  (5.6x)
 *     convT [16,14,14,32]->[16,28,28,1] 4x4/2            0.94 ms -> 0.27 (3.5x)
 *     the same two at batch 64                           52 / 3.8 -> 7.6 / 1.0
 *     3x3/1 dx [16,28,28,32] from 32 channels (BigGAN)   64.5 ms -> 6.0  (10.7x)
 *     3x3/1 dx [16,14,14,64] from 64 channels            58.6 ms -> 6.0  (9.8x)
 *     3x3/1 dx [16,28,28,32] from 1 channel (to-image)   11.6 ms -> 0.46 (25x)
 *     3x3/1 dx [16,28,28,1] from 32 channels (col2im)    2.1 ms -> 1.0   (2.1x)
 *
 * - Tile: wasm's kernel does per-element index arithmetic (~20 ns/element);
 *   tf.batchNorm's gradient tiles its [C] factor to the whole activation. The
 *   replacement copies x's rows into place and replicates finished blocks
 *   outwards with memmove (copyWithin, doubling). float32/int32/bool.
 *     [1,1,1,32] x [16,28,28,1]                          19.6 ms -> 0.14 (145x)
 *
 * - AvgPoolGrad, MaxPoolGrad, ResizeNearestNeighborGrad: scalar per-element
 *   loops in wasm; replaced by JS scatter loops over NHWC with the channel
 *   loop innermost (dy spread over its window; dy added at the window's first
 *   strict maximum, the cpu backend's tie rule; dy added at its nearest source
 *   pixel). Same semantics as the cpu kernels (AvgPoolGrad divides by kh·kw
 *   everywhere, like cpu and wasm); ResizeNearestNeighborGrad with
 *   halfPixelCenters (which the cpu and wasm grads both ignore) goes to the
 *   original. Note the cpu ResizeNearestNeighborGrad is wrong for batch > 1
 *   when dy is larger than the images (it indexes dy with the images' batch
 *   stride); wasm's own kernel and this one agree with per-image cpu results.
 *     AvgPoolGrad 2x2/2 [16,28,28,32]                    2.7 ms -> 0.69 (3.9x)
 *     MaxPoolGrad 2x2/2 [16,28,28,32]                    7.0 ms -> 2.6  (2.7x)
 *     ResizeNearestNeighborGrad x2 to [16,14,14,32]      2.6 ms -> 0.70 (3.7x)
 *
 * Whole forward + backward (gradients of every G and D weight), same bench:
 *     small DCGAN, batch 16 (convT 4x4/2 7->14->28, D conv 4x4/2 1->32->64
 *     + dense, batch norm in G)                          48.9 ms -> 24.7 (2.0x)
 *     the same, batch 64                                 170 ms -> 77   (2.2x)
 *     BigGAN-like, batch 16, ch 32 (2 G up-blocks: nearest x2 + 3x3 convs,
 *     2 D down-blocks: 3x3 convs + 2x2 avg-pool)         519 ms -> 162  (3.2x)
 *
 *   Conv2DBackpropFilter stays the dilated-conv formulation above: on these
 *   shapes it runs at ~1.1-1.8x the time of the forward Conv2D. One XNNPACK
 *   fully-connected product per filter tap on a stride-phase grid (dy packed
 *   once as the weights, shifted views of x as inputs) was tried and was no
 *   faster (the products themselves run at ~37 GFLOPS, the forward conv's
 *   speed), so it was not kept.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  makeAvgPoolGrad,
  makeConv2DBackpropInput,
  makeMaxPoolGrad,
  makeResizeNearestNeighborGrad,
  makeTile,
} from './wasm-conv-kernels.ts';
import { asWasm, BACKEND, isOurs, reshape, runKernel, Scratch, single, tag, transpose } from './wasm-conv-util.ts';

/** dst[off + j·rows + i] = src[srcOff + i·cols + j], in 16x16 tiles (cache friendly). */
function transposeCopy(
  src: tf.TypedArray,
  srcOff: number,
  dst: tf.TypedArray,
  dstOff: number,
  rows: number,
  cols: number,
): void {
  const T = 16;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(j0 + T, cols);
      for (let i = i0; i < i1; i++) {
        let si = srcOff + i * cols + j0;
        for (let j = j0; j < j1; j++) dst[dstOff + j * rows + i] = src[si++];
      }
    }
  }
}

/**
 * Copies matrices [first, first + count) of a float32 [..., rows, cols] tensor
 * into a new [count, rows, cols] tensor, or [count, cols, rows] when
 * `transposed`. The tiled JS transpose takes ~0.45 ms for 512x512, wasm's
 * generic Transpose kernel ~1.8 ms.
 */
function copyMatrices(
  backend: BackendWasm,
  x: tf.TensorInfo,
  first: number,
  count: number,
  transposed: boolean,
): tf.TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const out = backend.makeOutput(transposed ? [count, cols, rows] : [count, rows, cols], 'float32');
  // Views are taken after the allocation: growing the wasm heap detaches older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const size = rows * cols;
  if (!transposed) {
    dst.set(src.subarray(first * size, (first + count) * size));
  } else {
    for (let i = 0; i < count; i++) transposeCopy(src, (first + i) * size, dst, i * size, rows, cols);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Conv2DBackpropFilter
// ---------------------------------------------------------------------------

function conv2DBackpropFilter(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = asWasm(args.backend);
  const { x, dy } = args.inputs as tf.Conv2DBackpropFilterInputs;
  // Kernel attrs arrive as NamedAttrMap; this is their documented shape.
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (x == null || dy == null) throw new Error('Conv2DBackpropFilter (wasm): inputs x and dy are required');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter (wasm): only float32 is supported, got ${x.dtype}/${dy.dtype}`);
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`Conv2DBackpropFilter (wasm): x and dy must be rank 4, got ${x.shape} and ${dy.shape}`);
  }
  const nhwc = dataFormat !== 'NCHW';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC'),
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const expectedDy = nhwc
    ? [batchSize, outHeight, outWidth, outChannels]
    : [batchSize, outChannels, outHeight, outWidth];
  if (!tf.util.arraysEqual(dy.shape, expectedDy)) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy shape ${dy.shape} does not match the forward conv output ${expectedDy}`,
    );
  }

  if (tf.util.sizeFromShape(x.shape) === 0 || tf.util.sizeFromShape(dy.shape) === 0) {
    const zeros = backend.makeOutput(filterShape.slice(), 'float32');
    backend.typedArrayFromHeap(zeros).fill(0);
    return zeros;
  }

  const scratch = new Scratch(backend);
  try {
    // x -> [ci, H, W, b]: the batch becomes the channel axis of the conv.
    const xT = scratch.keep(transpose(backend, x, nhwc ? [3, 1, 2, 0] : [1, 2, 3, 0]));
    // dy -> [oh, ow, b, co]: the filter of the conv.
    const dyT = scratch.keep(transpose(backend, dy, nhwc ? [1, 2, 0, 3] : [2, 3, 0, 1]));
    // The last forward window must fit inside the padded input; with ceil/round
    // rounding it can overhang, and the overhang reads zeros.
    const padBottom = Math.max(0, (outHeight - 1) * sh + kh - inHeight - padInfo.top);
    const padRight = Math.max(0, (outWidth - 1) * sw + kw - inWidth - padInfo.left);
    const conv = scratch.keep(
      runKernel('Conv2D', backend, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [[0, 0], [padInfo.top, padBottom], [padInfo.left, padRight], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [sh, sw],
      }),
    );
    // conv: [ci, Hp - (oh-1)·sh, Wp - (ow-1)·sw, co] with both spatial dims >= kh, kw.
    let window = conv;
    if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
      window = scratch.keep(
        runKernel('Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] }),
      );
    }
    return transpose(backend, window, [1, 2, 0, 3]);
  } finally {
    scratch.dispose();
  }
}

// ---------------------------------------------------------------------------
// BatchMatMul / _FusedMatMul
// ---------------------------------------------------------------------------

function flatBatch(shape: number[]): number {
  return tf.util.sizeFromShape(shape.slice(0, -2));
}

/** One matmul operand: its tensor, whether it is used transposed, and its flattened batch size. */
interface Operand {
  x: tf.TensorInfo;
  transposed: boolean;
  batch: number;
}

/** Flat batch index of `operandBatch` (broadcast against `outBatch`) for each flat output batch index. */
export function broadcastIndices(operandBatch: number[], outBatch: number[]): number[] {
  const total = tf.util.sizeFromShape(outBatch);
  const offset = outBatch.length - operandBatch.length;
  // tfjs' computeStrides omits the innermost stride (1).
  const strides = [...tf.util.computeStrides(operandBatch), 1];
  const result: number[] = new Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let idx = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const coord = rem % outBatch[d];
      rem = Math.floor(rem / outBatch[d]);
      const od = d - offset;
      if (od >= 0 && operandBatch[od] !== 1) idx += coord * strides[od];
    }
    result[flat] = idx;
  }
  return result;
}

type TwoDMatMul = (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

/**
 * a·b (with the operands' transposes) computed only with batch-1,
 * non-transposed calls of `mm2d`, i.e. wasm's XNNPACK fast path. Shapes must
 * have been validated. Intermediates go to `scratch`; the result is owned by
 * the caller.
 */
function fastMatMul(backend: BackendWasm, scratch: Scratch, a: Operand, b: Operand, mm2d: TwoDMatMul): tf.TensorInfo {
  const ra = a.x.shape.length;
  const rb = b.x.shape.length;
  const m = a.transposed ? a.x.shape[ra - 1] : a.x.shape[ra - 2];
  const k = a.transposed ? a.x.shape[ra - 2] : a.x.shape[ra - 1];
  const n = b.transposed ? b.x.shape[rb - 2] : b.x.shape[rb - 1];
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.x.shape.slice(0, -2), b.x.shape.slice(0, -2));
  const outShape = [...outBatch, m, n];
  /** Operand as one [count·rows, cols] matrix in a [1, count·rows, cols] tensor, copying only to transpose. */
  const flat = (op: Operand, rows: number, cols: number): tf.TensorInfo => {
    const src = op.transposed ? scratch.keep(copyMatrices(backend, op.x, 0, op.batch, true)) : op.x;
    return scratch.keep(reshape(backend, src, [1, op.batch * rows, cols]));
  };
  if (b.batch === 1) {
    // Fold a's batch into its rows: one [batchA·m, k] x [k, n] product.
    const out = mm2d(flat(a, m, k), flat(b, k, n));
    return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
  }
  // One batch-1 product per output batch element; each operand matrix is
  // extracted (and transposed) once, in a single copy.
  const slicer = (op: Operand, rows: number, cols: number) => {
    const cache = new Map<number, tf.TensorInfo>();
    return (i: number): tf.TensorInfo => {
      let s = cache.get(i);
      if (s == null) {
        s = op.batch === 1 ? flat(op, rows, cols) : scratch.keep(copyMatrices(backend, op.x, i, 1, op.transposed));
        cache.set(i, s);
      }
      return s;
    };
  };
  const sliceA = slicer(a, m, k);
  const sliceB = slicer(b, k, n);
  const aIdx = broadcastIndices(a.x.shape.slice(0, -2), outBatch);
  const bIdx = broadcastIndices(b.x.shape.slice(0, -2), outBatch);
  const out = backend.makeOutput(outShape, 'float32');
  const size = m * n;
  try {
    for (let o = 0; o < aIdx.length; o++) {
      const part = mm2d(sliceA(aIdx[o]), sliceB(bIdx[o]));
      try {
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(part).subarray(0, size), o * size);
      } finally {
        backend.disposeData(part.dataId);
      }
    }
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  }
  return out;
}

/** The inner-dimension check of tfjs' matMul, with its message. */
function checkInner(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): void {
  const innerA = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const innerB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  tf.util.assert(
    innerA === innerB,
    () =>
      `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ` +
      `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
}

function makeBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return tag((args) => {
    const { a, b } = args.inputs as tf.BatchMatMulInputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (a == null || b == null) return original(args);
    const batchA = flatBatch(a.shape);
    const batchB = flatBatch(b.shape);
    // Already the fast path, or something the original rejects with its own message.
    if (
      (!transposeA && !transposeB && batchA <= 1 && batchB <= 1) ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      batchA === 0 ||
      batchB === 0
    ) {
      return original(args);
    }
    const backend = asWasm(args.backend);
    const scratch = new Scratch(backend);
    try {
      checkInner(a, b, transposeA, transposeB);
      return fastMatMul(
        backend,
        scratch,
        { x: a, transposed: transposeA, batch: batchA },
        { x: b, transposed: transposeB, batch: batchB },
        (a3, b3) =>
          single(original({ inputs: { a: a3, b: b3 }, backend, attrs: { transposeA: false, transposeB: false } }), 'BatchMatMul'),
      );
    } finally {
      scratch.dispose();
    }
  });
}

/** True when the C++ prelu (weights tiled with period weights.size over the flat output) matches broadcasting. */
function preluTiles(weights: tf.TensorInfo, outShape: number[]): boolean {
  let w = weights.shape;
  while (w.length > 0 && w[0] === 1) w = w.slice(1);
  return w.length <= outShape.length && tf.util.arraysEqual(w, outShape.slice(outShape.length - w.length));
}

const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
};

function makeFusedMatMul(original: tf.KernelFunc, batchMatMul: tf.KernelFunc): tf.KernelFunc {
  return tag((args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as tf._FusedMatMulInputs;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs;
    if (a == null || b == null) return original(args);
    const batchA = flatBatch(a.shape);
    const batchB = flatBatch(b.shape);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || batchA === 0 || batchB === 0) return original(args);
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const outShape = [...outBatch, m, n];
    const backend = asWasm(args.backend);
    // The original checks the rank of the bias as stored in the backend, so check both.
    const biasOk =
      bias == null ||
      (bias.shape.length === 1 && bias.shape[0] === n && backend.dataIdMap.get(bias.dataId)?.shape.length === 1);
    const preluOk = activation !== 'prelu' || (preluActivationWeights != null && preluTiles(preluActivationWeights, outShape));
    const canFuse = batchB === 1 && biasOk && preluOk;
    if (canFuse && !transposeA && !transposeB && batchA === 1) return original(args);

    const scratch = new Scratch(backend);
    try {
      if (canFuse) {
        checkInner(a, b, transposeA, transposeB);
        const opA: Operand = { x: a, transposed: transposeA, batch: batchA };
        const opB: Operand = { x: b, transposed: transposeB, batch: batchB };
        return fastMatMul(backend, scratch, opA, opB, (a3, b3) =>
          single(
            original({
              inputs: { a: a3, b: b3, bias, preluActivationWeights },
              backend,
              attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap,
            }),
            '_FusedMatMul',
          ),
        );
      }
      // Unfused, exactly like tfjs-core's fallback: matMul -> add(bias) -> activation.
      let y = scratch.keep(
        single(batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }), 'BatchMatMul'),
      );
      if (bias != null) y = scratch.keep(runKernel('Add', backend, { a: y, b: bias }));
      let out: tf.TensorInfo;
      if (activation === 'linear' || activation == null) {
        backend.incRef(y.dataId);
        out = y;
      } else if (activation === 'prelu') {
        if (preluActivationWeights == null) throw new Error('_FusedMatMul (wasm): prelu needs preluActivationWeights');
        out = runKernel('Prelu', backend, { x: y, alpha: preluActivationWeights });
      } else if (activation === 'leakyrelu') {
        out = runKernel('LeakyRelu', backend, { x: y }, { alpha: leakyreluAlpha ?? 0.2 });
      } else {
        const kernel = ACTIVATION_KERNELS[activation];
        if (kernel == null) throw new Error(`_FusedMatMul (wasm): unknown fused activation '${activation}'`);
        out = runKernel(kernel, backend, { x: y });
      }
      return out;
    } finally {
      scratch.dispose();
    }
  });
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

function replaceKernel(name: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const current = tf.getKernel(name, BACKEND);
  if (current == null) {
    throw new Error(`registerWasmKernels: '${name}' is not registered for wasm (import '@tensorflow/tfjs-backend-wasm')`);
  }
  if (isOurs(current)) return;
  tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: wrap(current.kernelFunc),
    // The original kernels bind their wasm functions in setupFunc; keep it so
    // a re-initialised backend still sets them up.
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
  });
}

/**
 * Registers Conv2DBackpropFilter for wasm, wraps BatchMatMul/_FusedMatMul and
 * replaces Conv2DBackpropInput, Tile, AvgPoolGrad, MaxPoolGrad and
 * ResizeNearestNeighborGrad, each falling back to wasm's own kernel for what
 * it does not handle (see the header). Idempotent; call right after
 * `tf.setBackend('wasm')`.
 * A Conv2DBackpropFilter that wasm itself may ship in the future is kept.
 */
export function registerWasmKernels(): void {
  replaceKernel('BatchMatMul', makeBatchMatMul);
  const batchMatMul = tf.getKernel('BatchMatMul', BACKEND)!.kernelFunc;
  replaceKernel('_FusedMatMul', (original) => makeFusedMatMul(original, batchMatMul));
  replaceKernel('Conv2DBackpropInput', makeConv2DBackpropInput);
  replaceKernel('Tile', makeTile);
  replaceKernel('AvgPoolGrad', makeAvgPoolGrad);
  replaceKernel('MaxPoolGrad', makeMaxPoolGrad);
  replaceKernel('ResizeNearestNeighborGrad', makeResizeNearestNeighborGrad);
  if (tf.getKernel('Conv2DBackpropFilter', BACKEND) == null) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: BACKEND,
      kernelFunc: tag(conv2DBackpropFilter),
    });
  }
}
