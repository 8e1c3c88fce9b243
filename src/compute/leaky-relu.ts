// LeakyRelu, cheaper: its gradient for every backend, and a native forward kernel for wasm.
//
// Gradient. y = x for x > 0, α·x otherwise, so ∂y/∂x = step(x, α) (1 for x > 0, α otherwise, α at
// x = 0 as in tfjs-core) and
//   dx = dy · step(x, α)
// two kernels (Step, Multiply), where tfjs-core's where(greater(x, 0), dy, dy·α) runs Greater,
// Multiply, Select and three Identity (in a DCGAN iteration: 415 kernels instead of 439); wasm's
// Greater against a scalar is slow (~0.8 ms for [32,14,14,32], Step 0.06 ms).
// It is the same value for every finite x (NaN in x now gives NaN, where tfjs-core gave α·dy); it
// is registered with tf.registerGradient by registerLeakyReluGradient(), which useBackend calls
// (src/compute/backend.ts: so every backend gets it), and falls
// back to tfjs-core's formula on a backend without a Step kernel. EVOGAN_LEAKY_RELU_GRAD=tfjs keeps
// tfjs-core's.
//
// Forward (wasm with the addon built): wasm's own LeakyRelu kernel takes ~6 ns an element here
// (1.2 ms for [32,14,14,32]); evogan_native.cc's leakyRelu is one vectorised pass,
// max(x, 0) + α·min(x, 0), 0.055 ms. Registered by
// registerNativeGemm() like the other native kernels, off with EVOGAN_NATIVE_REDUCE=off.
//
// Measured: see native-reduce-kernels.ts.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOf, heapOffset, KernelSwaps } from "./kernel-swaps.ts";

/** dx = dy · step(x, α), or tfjs-core's where(x > 0, dy, α·dy) where the backend has no Step kernel. */
function leakyReluGrad(dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): { x: () => tf.Tensor } {
  const dy = Array.isArray(dys) ? dys[0] : dys;
  const [x] = saved;
  const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
  if (tf.getKernel("Step", tf.getBackend()) == null) return { x: () => tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha)) };
  return { x: () => tf.mul(dy, tf.step(x, alpha)) };
}

let gradientRegistered = false;

/** Replaces tfjs-core's LeakyRelu gradient with dy · step(x, α) for every backend. Idempotent. */
export function registerLeakyReluGradient(): boolean {
  if (process.env.EVOGAN_LEAKY_RELU_GRAD === "tfjs") return false;
  if (!gradientRegistered) tf.registerGradient({ kernelName: "LeakyRelu", inputsToSave: ["x"], gradFunc: leakyReluGrad });
  gradientRegistered = true;
  return true;
}

/** True when tfjs's LeakyRelu gradient is evogan's dy · step(x, α). */
export function leakyReluGradientIsStep(): boolean {
  return tf.getGradient("LeakyRelu")?.gradFunc === leakyReluGrad;
}

/** The addon's LeakyRelu entry point (evogan_native.cc); x and out are byte offsets into `heap`. */
export interface LeakyReluAddon {
  leakyRelu(heap: ArrayBuffer, x: number, out: number, n: number, alpha: number): void;
}

const swaps = new KernelSwaps("native-leaky-relu");

/** True when wasm's LeakyRelu currently runs natively. */
export function nativeLeakyReluActive(): boolean {
  return swaps.active("LeakyRelu");
}

/** Puts back the LeakyRelu kernel that was registered before registerNativeLeakyRelu. */
export function unregisterNativeLeakyRelu(): void {
  swaps.restore();
}

/**
 * Runs wasm's LeakyRelu natively for float32 x (anything else goes to the kernel that was there).
 * Returns false, changing nothing, for an addon without leakyRelu or with EVOGAN_NATIVE_REDUCE=off.
 * Idempotent.
 */
export function registerNativeLeakyRelu(g: Partial<LeakyReluAddon>): boolean {
  if (process.env.EVOGAN_NATIVE_REDUCE === "off" || typeof g.leakyRelu !== "function") return false;
  const addon = g as LeakyReluAddon;
  swaps.replace("LeakyRelu", (below) => (args) => {
    const { x } = args.inputs as tf.LeakyReluInputs;
    const { alpha } = args.attrs as unknown as tf.LeakyReluAttrs;
    const n = x == null ? 0 : tf.util.sizeFromShape(x.shape);
    if (x == null || x.dtype !== "float32" || n === 0) return below(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape.slice(), "float32");
    addon.leakyRelu(heapOf(backend, out), heapOffset(backend, x), heapOffset(backend, out), n, alpha);
    return out;
  });
  return true;
}
