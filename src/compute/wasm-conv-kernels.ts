/**
 * Replacement conv-training kernels for the TensorFlow.js 'wasm' backend; see
 * the header of wasm-kernels.ts for what each does and its measured speed-up.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasm, heapF32, type KernelArgs, runKernel, Scratch, tag } from './wasm-conv-util.ts';

// ---------------------------------------------------------------------------
// Conv2DBackpropInput (conv's gradient w.r.t. its input; conv2dTranspose)
// ---------------------------------------------------------------------------

/**
 * How dx is computed along one spatial axis as a stride-1 correlation.
 *
 * The forward conv reads x[o·s + k - padBefore] for output o and tap k, so
 *   dx[i] = Σ_{j} dy[q - j] · w[r + s·j],   r = (i + padBefore) mod s,
 *                                           q = (i + padBefore - r) / s,
 * i.e. the rows of dx with the same phase r are a stride-1 correlation of dy
 * with the taps r, r + s, r + 2s, ... of w, reversed. All s phases share one
 * correlation of `taps` = ceil(k / s) taps (a phase with fewer real taps gets
 * leading zero taps) over dy padded by `padBefore`/`padAfter`; dx[i] sits
 * in position q - taps + 1 + padBefore of that conv, output channel block r.
 */
interface AxisPlan {
  stride: number;
  taps: number;
  /** Zero padding of dy before / after for the stride-1 conv. */
  padBefore: number;
  padAfter: number;
  /** The forward conv's padding before this axis: dx index i has phase (i + shift) mod stride. */
  shift: number;
  /** Length of the conv output along this axis. */
  convLen: number;
}

function axisPlan(inLen: number, outLen: number, k: number, s: number, pad: number): AxisPlan {
  const taps = Math.ceil(k / s);
  const padBefore = Math.max(0, taps - 1 - Math.floor(pad / s));
  const padAfter = Math.max(0, Math.floor((inLen - 1 + pad) / s) - outLen + 1);
  return {
    stride: s,
    taps,
    padBefore,
    padAfter,
    shift: pad,
    convLen: outLen + padBefore + padAfter - taps + 1,
  };
}

/** Conv position and phase that dx index i comes from. */
function dxSource(p: AxisPlan, i: number): [pos: number, phase: number] {
  const t = i + p.shift;
  const phase = t % p.stride;
  return [(t - phase) / p.stride - p.taps + 1 + p.padBefore, phase];
}

/**
 * F[th, tw, o, (rh·sw + rw)·ci + c] = w[rh + sh·(taps_h-1-th), rw + sw·(taps_w-1-tw), c, o],
 * 0 where that tap is past the filter. (The loops live in small functions of
 * their own: inlined in a kernel called a few times they ran several times
 * slower, stuck in V8's on-stack-replacement code.)
 */
function fillPhaseFilter(
  src: Float32Array,
  dst: Float32Array,
  rows: AxisPlan,
  cols: AxisPlan,
  kh: number,
  kw: number,
  ci: number,
  co: number,
): void {
  const sh = rows.stride;
  const sw = cols.stride;
  const fc = sh * sw * ci;
  dst.fill(0);
  for (let th = 0; th < rows.taps; th++) {
    for (let rh = 0; rh < sh; rh++) {
      const fh = rh + sh * (rows.taps - 1 - th);
      if (fh >= kh) continue;
      for (let tw = 0; tw < cols.taps; tw++) {
        for (let rw = 0; rw < sw; rw++) {
          const fw = rw + sw * (cols.taps - 1 - tw);
          if (fw >= kw) continue;
          const srcBase = (fh * kw + fw) * ci * co;
          const dstBase = (th * cols.taps + tw) * co * fc + (rh * sw + rw) * ci;
          for (let c = 0; c < ci; c++) {
            let s = srcBase + c * co;
            let d = dstBase + c;
            for (let o = 0; o < co; o++, s++, d += fc) dst[d] = src[s];
          }
        }
      }
    }
  }
}

/** dx[b, y, x, c] = conv[b, pos(y), pos(x), (phase(y)·sw + phase(x))·ci + c], all on the heap. */
function gatherPhases(
  heap: Float32Array,
  convOff: number,
  dxOff: number,
  rows: AxisPlan,
  cols: AxisPlan,
  n: number,
  h: number,
  w: number,
  ci: number,
): void {
  const fc = rows.stride * cols.stride * ci;
  // Where each dx column reads from, relative to the start of its conv row.
  const colSrc = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    const [pos, phase] = dxSource(cols, x);
    colSrc[x] = pos * fc + phase * ci;
  }
  const convRow = cols.convLen * fc;
  let d = dxOff;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const [pos, phase] = dxSource(rows, y);
      const rowBase = convOff + (b * rows.convLen + pos) * convRow + phase * cols.stride * ci;
      if (ci >= 16) {
        for (let x = 0; x < w; x++, d += ci) {
          const s = rowBase + colSrc[x];
          heap.copyWithin(d, s, s + ci);
        }
      } else {
        for (let x = 0; x < w; x++) {
          let s = rowBase + colSrc[x];
          for (let c = 0; c < ci; c++) heap[d++] = heap[s++];
        }
      }
    }
  }
}

function conv2DBackpropInputFast(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const rows = axisPlan(h, oh, kh, sh, padInfo.top);
  const cols = axisPlan(w, ow, kw, sw, padInfo.left);
  const fc = sh * sw * ci;
  const scratch = new Scratch(backend);
  try {
    const f = scratch.keep(backend.makeOutput([rows.taps, cols.taps, co, fc], 'float32'));
    fillPhaseFilter(
      backend.typedArrayFromHeap(filter) as Float32Array,
      backend.typedArrayFromHeap(f) as Float32Array,
      rows,
      cols,
      kh,
      kw,
      ci,
      co,
    );
    const conv = runKernel('Conv2D', backend, { x: dy, filter: f }, {
      strides: [1, 1],
      pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    // conv: [n, rows.convLen, cols.convLen, fc]; with stride 1 and no cropping it is dx itself.
    if (fc === ci && rows.convLen === h && cols.convLen === w && dxSource(rows, 0)[0] === 0 && dxSource(cols, 0)[0] === 0) {
      return conv;
    }
    scratch.keep(conv);
    const dx = backend.makeOutput([n, h, w, ci], 'float32');
    const [heap, convOff] = heapF32(backend, conv);
    gatherPhases(heap, convOff, heapF32(backend, dx)[1], rows, cols, n, h, w, ci);
    return dx;
  } finally {
    scratch.dispose();
  }
}

/** dx (zeroed)[b, oy·sh - top + a, ox·sw - left + c', :] += cols[b, oy, ox, a, c', :] inside dx. */
function col2im(
  heap: Float32Array,
  colsOff: number,
  dxOff: number,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let s = colsOff;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let a = 0; a < kh; a++) {
          const y = oy * sh - top + a;
          if (y < 0 || y >= h) {
            s += kw * ci;
            continue;
          }
          const rowBase = dxOff + (b * h + y) * w * ci;
          for (let c2 = 0; c2 < kw; c2++) {
            const x = ox * sw - left + c2;
            if (x < 0 || x >= w) {
              s += ci;
              continue;
            }
            let d = rowBase + x * ci;
            for (let c = 0; c < ci; c++) heap[d++] += heap[s++];
          }
        }
      }
    }
  }
}

/**
 * dx for inputs of few channels: cols = dy [n·oh·ow, co] · Wᵀ [co, kh·kw·ci]
 * (one XNNPACK product), then each row of cols is added into its window of dx.
 * With 1-4 input channels the phase conv above has just as few output
 * channels, which XNNPACK runs slowly (a 3x3 stride-1 dx of [16,28,28,1]
 * from 32-64 channels: ~2x faster this way).
 */
function conv2DBackpropInputCol2Im(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const k = info.filterHeight * info.filterWidth * ci;
  const scratch = new Scratch(backend);
  try {
    // filter [kh, kw, ci, co] read as [k, co], transposed to [co, k].
    const wt = scratch.keep(backend.makeOutput([1, co, k], 'float32'));
    transposeInto(backend.typedArrayFromHeap(filter) as Float32Array, backend.typedArrayFromHeap(wt) as Float32Array, k, co);
    const dy2 = scratch.keep(runKernel('Reshape', backend, { x: dy }, { shape: [1, n * oh * ow, co] }));
    const cols = scratch.keep(runKernel('BatchMatMul', backend, { a: dy2, b: wt }, { transposeA: false, transposeB: false }));
    const dx = backend.makeOutput([n, h, w, ci], 'float32');
    const [heap, dxOff] = heapF32(backend, dx);
    heap.fill(0, dxOff, dxOff + n * h * w * ci);
    col2im(heap, heapF32(backend, cols)[1], dxOff, info);
    return dx;
  } finally {
    scratch.dispose();
  }
}

/** dst [cols, rows] = src [rows, cols]ᵀ. */
function transposeInto(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let d = r;
    let s = r * cols;
    for (let c = 0; c < cols; c++, d += rows) dst[d] = src[s++];
  }
}

export function makeConv2DBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return tag((args: KernelArgs) => {
    const { dy, filter } = args.inputs as tf.Conv2DBackpropInputInputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (
      dy == null ||
      filter == null ||
      dy.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      dy.shape.length !== 4 ||
      filter.shape.length !== 4 ||
      (dataFormat != null && dataFormat !== 'NHWC') ||
      tf.util.sizeFromShape(dy.shape) === 0 ||
      tf.util.sizeFromShape(filter.shape) === 0 ||
      tf.util.sizeFromShape(inputShape) === 0
    ) {
      return original(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (!tf.util.arraysEqual(dy.shape, info.outShape) || filter.shape[2] !== inputShape[3]) return original(args);
    // Either path beat wasm's own kernel on every shape measured (bench/conv-kernels.ts;
    // tiny shapes tie), so it is never chosen for speed. col2im wins for stride 1 with
    // <= 4 input channels, the phase conv everywhere else.
    const backend = asWasm(args.backend);
    if (info.strideHeight === 1 && info.strideWidth === 1 && info.inChannels <= 4) {
      return conv2DBackpropInputCol2Im(backend, dy, filter, info);
    }
    return conv2DBackpropInputFast(backend, dy, filter, info);
  });
}

// ---------------------------------------------------------------------------
// Tile
// ---------------------------------------------------------------------------

/** The whole wasm heap viewed with the element type of `info`, and `info`'s offset in it (in elements). */
function heapOf(backend: BackendWasm, info: tf.TensorInfo): [tf.TypedArray, number] {
  if (info.dtype === 'float32') return heapF32(backend, info);
  const view = backend.typedArrayFromHeap(info);
  if (view instanceof Int32Array) return [new Int32Array(view.buffer), view.byteOffset >> 2];
  if (view instanceof Uint8Array) return [new Uint8Array(view.buffer), view.byteOffset];
  throw new Error(`Tile (wasm): unsupported dtype ${info.dtype}`);
}

/** Copies heap[start, start + len) to the `times - 1` blocks right after it, doubling the copied span. */
function repeatBlock(heap: tf.TypedArray, start: number, len: number, times: number): void {
  const total = len * times;
  if (len === 1) {
    heap.fill(heap[start], start + 1, start + total);
    return;
  }
  let done = len;
  while (done < total) {
    const n = Math.min(done, total - done);
    heap.copyWithin(start + done, start, start + n);
    done += n;
  }
}

/**
 * out = tile(x, reps), built in place: x's rows go to their first copy, then
 * from the innermost axis outwards each finished block is replicated along
 * its axis with memmove (copyWithin) — every output element is written once
 * or twice, with no per-element index arithmetic.
 */
function tileFast(backend: BackendWasm, x: tf.TensorInfo, reps: number[]): tf.TensorInfo {
  const rank = x.shape.length;
  const inShape = x.shape;
  const outShape = inShape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const [heap, outOff] = heapOf(backend, out);
  const xOff = heapOf(backend, x)[1];
  // Element strides of the output.
  const outStride = new Array<number>(rank);
  outStride[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) outStride[d] = outStride[d + 1] * outShape[d + 1];
  const last = inShape[rank - 1];
  const rowCount = tf.util.sizeFromShape(inShape.slice(0, -1));
  /** Output offset of x's prefix index `p` over axes [0, upTo), every rep index 0. */
  const prefixBase = (p: number, upTo: number): number => {
    let base = 0;
    for (let d = upTo - 1; d >= 0; d--) {
      const c = p % inShape[d];
      p = (p - c) / inShape[d];
      base += c * outStride[d];
    }
    return outOff + base;
  };
  // x's rows, each replicated along the last axis.
  for (let p = 0; p < rowCount; p++) {
    const base = prefixBase(p, rank - 1);
    heap.copyWithin(base, xOff + p * last, xOff + (p + 1) * last);
    if (reps[rank - 1] > 1) repeatBlock(heap, base, last, reps[rank - 1]);
  }
  // Outer axes: the block [inShape[d] rows of the finished inner output] repeats reps[d] times.
  for (let d = rank - 2; d >= 0; d--) {
    if (reps[d] === 1) continue;
    const len = inShape[d] * outStride[d];
    const count = tf.util.sizeFromShape(inShape.slice(0, d));
    for (let p = 0; p < count; p++) repeatBlock(heap, prefixBase(p, d), len, reps[d]);
  }
  return out;
}

export function makeTile(original: tf.KernelFunc): tf.KernelFunc {
  return tag((args: KernelArgs) => {
    const { x } = args.inputs as tf.TileInputs;
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    if (
      x == null ||
      !(x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool') ||
      x.shape.length === 0 ||
      reps == null ||
      reps.length !== x.shape.length ||
      reps.some((r) => !Number.isInteger(r) || r < 1) ||
      tf.util.sizeFromShape(x.shape) === 0
    ) {
      return original(args);
    }
    return tileFast(asWasm(args.backend), x, reps);
  });
}

// ---------------------------------------------------------------------------
// Pooling and nearest-neighbour resize gradients (NHWC scatter loops in JS)
// ---------------------------------------------------------------------------

/** Pool geometry, plain numbers for the loops below. */
interface PoolGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

function poolGeometry(info: tf.backend_util.Conv2DInfo): PoolGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** dx (zeroed) += mult · dy spread over each window, clipped to the input. */
function avgPoolGradLoop(heap: Float32Array, dyOff: number, dxOff: number, g: PoolGeometry, mult: number): void {
  const { n, h, w, c, oh, ow, fh, fw, sh, sw, top, left } = g;
  let src = dyOff;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const r0 = Math.max(0, oy * sh - top);
      const r1 = Math.min(h, oy * sh - top + fh);
      for (let ox = 0; ox < ow; ox++, src += c) {
        const c0 = Math.max(0, ox * sw - left);
        const c1 = Math.min(w, ox * sw - left + fw);
        for (let r = r0; r < r1; r++) {
          let d = dxOff + ((b * h + r) * w + c0) * c;
          for (let col = c0; col < c1; col++) {
            for (let k = 0; k < c; k++) heap[d++] += heap[src + k] * mult;
          }
        }
      }
    }
  }
}

/**
 * dx (zeroed) += dy at the first strict maximum of x in each window (row-major
 * window order, like the cpu backend's maxPoolPositions; a window of NaN or
 * -Infinity only passes nothing on).
 */
function maxPoolGradLoop(heap: Float32Array, xOff: number, dyOff: number, dxOff: number, g: PoolGeometry): void {
  const { n, h, w, c, oh, ow, fh, fw, sh, sw, top, left } = g;
  // Per channel of the current window: the best value so far and its flat index in x.
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  let src = dyOff;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const r0 = Math.max(0, oy * sh - top);
      const r1 = Math.min(h, oy * sh - top + fh);
      for (let ox = 0; ox < ow; ox++, src += c) {
        const c0 = Math.max(0, ox * sw - left);
        const c1 = Math.min(w, ox * sw - left + fw);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          let p = ((b * h + r) * w + c0) * c;
          for (let col = c0; col < c1; col++) {
            for (let k = 0; k < c; k++, p++) {
              const v = heap[xOff + p];
              if (v > best[k]) {
                best[k] = v;
                at[k] = p;
              }
            }
          }
        }
        for (let k = 0; k < c; k++) if (at[k] >= 0) heap[dxOff + at[k]] += heap[src + k];
      }
    }
  }
}

type PoolGradInputs = { dy?: tf.TensorInfo; input?: tf.TensorInfo };

function poolGradInfo(args: KernelArgs, withRounding: boolean): tf.backend_util.Conv2DInfo | null {
  const { dy, input } = args.inputs as PoolGradInputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  if (
    dy == null ||
    input == null ||
    dy.dtype !== 'float32' ||
    input.dtype !== 'float32' ||
    input.shape.length !== 4 ||
    tf.util.sizeFromShape(input.shape) === 0 ||
    tf.util.sizeFromShape(dy.shape) === 0
  ) {
    return null;
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    withRounding ? dimRoundingMode : undefined,
  );
  return tf.util.arraysEqual(dy.shape, info.outShape) ? info : null;
}

/**
 * A pool-gradient kernel: dx zeroed on the wasm heap, then `loop` scatters dy into it; shapes
 * `poolGradInfo` does not take go to the original kernel.
 */
function poolGradKernel(
  original: tf.KernelFunc,
  withRounding: boolean,
  loop: (heap: Float32Array, backend: BackendWasm, inputs: Required<PoolGradInputs>, dxOff: number, info: tf.backend_util.Conv2DInfo) => void,
): tf.KernelFunc {
  return tag((args: KernelArgs) => {
    const info = poolGradInfo(args, withRounding);
    if (info == null) return original(args);
    const inputs = args.inputs as Required<PoolGradInputs>;
    const backend = asWasm(args.backend);
    const dx = backend.makeOutput(inputs.input.shape.slice(), 'float32');
    const [heap, dxOff] = heapF32(backend, dx);
    heap.fill(0, dxOff, dxOff + tf.util.sizeFromShape(inputs.input.shape));
    loop(heap, backend, inputs, dxOff, info);
    return dx;
  });
}

export function makeAvgPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  // Like the cpu and wasm kernels: no dimRoundingMode, and 1/(fh·fw) everywhere (also in clipped 'same' windows).
  return poolGradKernel(original, false, (heap, backend, { dy }, dxOff, info) =>
    avgPoolGradLoop(heap, heapF32(backend, dy)[1], dxOff, poolGeometry(info), 1 / (info.filterHeight * info.filterWidth)),
  );
}

export function makeMaxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return poolGradKernel(original, true, (heap, backend, { dy, input }, dxOff, info) =>
    maxPoolGradLoop(heap, heapF32(backend, input)[1], heapF32(backend, dy)[1], dxOff, poolGeometry(info)),
  );
}

/**
 * The source index of each output row (or column) of a nearest-neighbour
 * resize, as the cpu backend's ResizeNearestNeighborGrad computes it (which
 * ignores halfPixelCenters; such calls go to the original kernel).
 */
function nearestSources(inLen: number, outLen: number, alignCorners: boolean): Int32Array {
  const effIn = alignCorners && outLen > 1 ? inLen - 1 : inLen;
  const effOut = alignCorners && outLen > 1 ? outLen - 1 : outLen;
  const scale = effIn / effOut;
  const src = new Int32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    const frac = i * scale;
    src[i] = Math.min(inLen - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  }
  return src;
}

/** dx (zeroed)[b, rows[y], cols[x], :] += dy[b, y, x, :]. */
function resizeNearestGradLoop(
  heap: Float32Array,
  dyOff: number,
  dxOff: number,
  n: number,
  h: number,
  w: number,
  c: number,
  rows: Int32Array,
  cols: Int32Array,
): void {
  const oh = rows.length;
  const ow = cols.length;
  let s = dyOff;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const rowBase = dxOff + (b * h + rows[y]) * w * c;
      for (let x = 0; x < ow; x++) {
        let d = rowBase + cols[x] * c;
        for (let k = 0; k < c; k++) heap[d++] += heap[s++];
      }
    }
  }
}

export function makeResizeNearestNeighborGrad(original: tf.KernelFunc): tf.KernelFunc {
  return tag((args: KernelArgs) => {
    const { images, dy } = args.inputs as tf.ResizeNearestNeighborGradInputs;
    const { alignCorners, halfPixelCenters } = args.attrs as unknown as tf.ResizeNearestNeighborAttrs;
    if (
      images == null ||
      dy == null ||
      halfPixelCenters === true ||
      dy.dtype !== 'float32' ||
      images.shape.length !== 4 ||
      dy.shape.length !== 4 ||
      dy.shape[0] !== images.shape[0] ||
      dy.shape[3] !== images.shape[3] ||
      tf.util.sizeFromShape(images.shape) === 0 ||
      tf.util.sizeFromShape(dy.shape) === 0
    ) {
      return original(args);
    }
    const [n, h, w, c] = images.shape;
    const backend = asWasm(args.backend);
    const dx = backend.makeOutput(images.shape.slice(), 'float32');
    const [heap, dxOff] = heapF32(backend, dx);
    heap.fill(0, dxOff, dxOff + n * h * w * c);
    const rows = nearestSources(h, dy.shape[1], alignCorners === true);
    const cols = nearestSources(w, dy.shape[2], alignCorners === true);
    resizeNearestGradLoop(heap, heapF32(backend, dy)[1], dxOff, n, h, w, c, rows, cols);
    return dx;
  });
}
