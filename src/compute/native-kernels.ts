// Optional native kernels for the wasm backend: matrix products and a fused Adam update. When evogan's addon was built at install
// (src/compute/native, OpenBLAS), BatchMatMul and _FusedMatMul run cblas_sgemm directly on the
// wasm heap: no copies, transposes for free, ~110 GFLOPS on one core here against ~37 for
// wasm's XNNPACK path (measured on [256,512]x[512,512]; bench/results/). Convolutions (Conv2D,
// FusedConv2D and both conv gradients) go through the same GEMM after an im2col: see
// native-conv-kernels.ts; Sum and Mean over contiguous axes and LeakyRelu are one C++ pass each
// (native-reduce-kernels.ts, leaky-relu.ts). Everything else stays on wasm's kernels, and without
// the addon nothing changes. EVOGAN_NATIVE_GEMM=off disables it all.
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type LeakyReluAddon, registerNativeLeakyRelu, unregisterNativeLeakyRelu } from "./leaky-relu.ts";
import { type ConvAddon, registerNativeConv, unregisterNativeConv } from "./native-conv-kernels.ts";
import { type ReduceAddon, registerNativeReduce, unregisterNativeReduce } from "./native-reduce-kernels.ts";
import { heapOf, heapOffset as offset, KernelSwaps } from "./kernel-swaps.ts";
import { broadcastIndices } from "./wasm-kernels.ts";

interface GemmAddon extends Partial<ConvAddon>, Partial<ReduceAddon>, Partial<LeakyReluAddon> {
  sgemm(heap: ArrayBuffer, aOff: number, bOff: number, cOff: number, m: number, n: number, k: number, transA: number, transB: number): void;
  biasAct(heap: ArrayBuffer, cOff: number, rows: number, n: number, biasOff: number, biasLen: number, relu: number): void;
  adam(heap: ArrayBuffer, p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number, alpha: number, b1: number, b2: number, eps: number): void;
}

let addon: GemmAddon | null | undefined;

/**
 * OpenBLAS picks its kernels by CPU at load time. On AVX-512 machines it takes its Cooperlake
 * kernels (e.g. this VM's AMD EPYC, 2026-12-03), whose sgemm results differ from the AVX2 ones by
 * enough that the toy E-GAN's fast and reference paths chose different survivors from the second
 * iteration (test/trainers/pareto-selection.test.ts, egan-paths.test.ts). One kernel family on
 * every x86-64 machine (Haswell: AVX2 + FMA) keeps results the same across machines; a user's own
 * OPENBLAS_CORETYPE wins. Set in the environment before OpenBLAS loads: here for a process's main
 * thread, and by the CLI's entry (src/cli/bin.js) for its worker threads, whose process.env
 * native code does not see.
 */
export function pinOpenblasKernels(): void {
  if (process.arch === "x64") process.env.OPENBLAS_CORETYPE ??= "Haswell";
}

/** The built addon, or null when it was not built (or is switched off). */
export function loadGemmAddon(): GemmAddon | null {
  if (addon !== undefined) return addon;
  if (process.env.EVOGAN_NATIVE_GEMM === "off") return (addon = null);
  pinOpenblasKernels();
  try {
    addon = createRequire(import.meta.url)("./native/build/Release/evogan_native.node") as GemmAddon;
  } catch {
    addon = null;
  }
  return addon;
}

const swaps = new KernelSwaps("native-gemm");

/** True when wasm's BatchMatMul currently runs through the native GEMM. */
export function nativeGemmActive(): boolean {
  return swaps.active("BatchMatMul");
}

interface Mat {
  readonly batchShape: number[];
  readonly rows: number;
  readonly cols: number;
}

function mat(x: tf.TensorInfo): Mat {
  const s = x.shape;
  return { batchShape: s.slice(0, -2), rows: s[s.length - 2], cols: s[s.length - 1] };
}


/** op(a)·op(b) over broadcast batches, into a fresh output; undefined when not float32. */
function nativeMatMul(g: GemmAddon, backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, ta: boolean, tb: boolean): tf.TensorInfo | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const A = mat(a);
  const B = mat(b);
  const m = ta ? A.cols : A.rows;
  const k = ta ? A.rows : A.cols;
  const kb = tb ? B.cols : B.rows;
  const n = tb ? B.rows : B.cols;
  tf.util.assert(k === kb, () => `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${ta} and transposeB=${tb} must match.`);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(A.batchShape, B.batchShape);
  const out = backend.makeOutput([...outBatch, m, n], "float32");
  const heap = heapOf(backend, out); // after makeOutput: the heap may have grown
  const [aBase, bBase, cBase] = [offset(backend, a), offset(backend, b), offset(backend, out)];
  const aIdx = broadcastIndices(A.batchShape, outBatch);
  const bIdx = broadcastIndices(B.batchShape, outBatch);
  for (let o = 0; o < aIdx.length; o++) {
    g.sgemm(heap, aBase + 4 * aIdx[o] * m * k, bBase + 4 * bIdx[o] * k * n, cBase + 4 * o * m * n, m, n, k, ta ? 1 : 0, tb ? 1 : 0);
  }
  return out;
}

function replace(name: string, make: (previous: tf.KernelFunc) => tf.KernelFunc): void {
  if (!swaps.replace(name, make)) throw new Error(`native gemm: '${name}' is not registered for wasm`);
}

/** Puts wasm's own (evogan-wrapped) matmul and conv kernels back; the native path is off until re-registered. */
export function unregisterNativeKernels(): void {
  unregisterNativeConv();
  unregisterNativeReduce();
  unregisterNativeLeakyRelu();
  swaps.restore();
}

/**
 * Routes wasm's BatchMatMul and _FusedMatMul (bias + linear/relu) through the native GEMM, and
 * the convolutions of native-conv-kernels.ts. Returns false, and changes nothing, when the addon
 * is not available. Idempotent.
 */
export function registerNativeGemm(): boolean {
  const g = loadGemmAddon();
  if (!g) return false;
  replace("BatchMatMul", (previous) => (args) => {
    const { a, b } = args.inputs as tf.BatchMatMulInputs;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    return (a && b && nativeMatMul(g, args.backend as BackendWasm, a, b, transposeA, transposeB)) || previous(args);
  });
  replace("_FusedMatMul", (previous) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as tf._FusedMatMulInputs;
    const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
    const { transposeA, transposeB, activation } = args.attrs as unknown as tf._FusedMatMulAttrs;
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const plainBias = bias == null || biasSize === 1 || (biasSize === n && bias.shape[bias.shape.length - 1] === n);
    if (preluActivationWeights != null || !(activation === "linear" || activation === "relu") || !plainBias) return previous(args);
    const backend = args.backend as BackendWasm;
    const out = nativeMatMul(g, backend, a, b, transposeA, transposeB);
    if (!out) return previous(args);
    if (bias != null || activation === "relu") {
      const rows = out.shape.length ? tf.util.sizeFromShape(out.shape) / n : 0;
      const biasOff = bias != null ? offset(backend, bias) : -1;
      g.biasAct(heapOf(backend, out), offset(backend, out), rows, n, biasOff, biasSize, activation === "relu" ? 1 : 0);
    }
    return out;
  });
  registerNativeConv(g);
  registerNativeReduce(g);
  registerNativeLeakyRelu(g);
  return true;
}

/**
 * One fused Adam update (m, v and θ in one pass) on the wasm heap, as new tensors
 * [θ', m', v'], or undefined when the native kernels are not active (the caller then uses
 * tensor ops). Same arithmetic as src/trainers/adam.ts.
 */
export function nativeAdam(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, alpha: number, b1: number, b2: number, eps: number): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  const addon = loadGemmAddon();
  if (!addon || !nativeGemmActive() || tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as BackendWasm;
  const outs = [0, 1, 2].map(() => backend.makeOutput(p.shape, "float32"));
  const heap = heapOf(backend, outs[0]);
  const [po, mo, vo] = outs.map((o) => offset(backend, o));
  addon.adam(heap, offset(backend, p), offset(backend, m), offset(backend, v), offset(backend, g), po, mo, vo, p.size, alpha, b1, b2, eps);
  const engine = tf.engine();
  return [engine.makeTensorFromTensorInfo(outs[0]), engine.makeTensorFromTensorInfo(outs[1]), engine.makeTensorFromTensorInfo(outs[2])];
}

/** Whether matmuls can take transposed operands at no cost (the native GEMM is active). */
export function transposesAreFree(): boolean {
  return tf.getBackend() === "wasm" && nativeGemmActive();
}
