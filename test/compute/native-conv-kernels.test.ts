// The native convolution kernels (src/compute/native-conv-kernels.ts: im2col/col2im + OpenBLAS on
// the wasm heap) against the tfjs cpu backend on small shapes. Where the addon is not built (or
// EVOGAN_NATIVE_GEMM=off) the suite checks that the wasm kernels stay in place instead.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeConvActive } from "../../src/compute/native-conv-kernels.ts";
import { loadGemmAddon, registerNativeGemm, unregisterNativeKernels } from "../../src/compute/native-kernels.ts";
import { registerWasmKernels } from "../../src/compute/wasm-kernels.ts";
import { countWasmKernelCalls, expectClose, on, tensor } from "../helpers/cpu-reference.ts";

const built = loadGemmAddon() !== null;
const ROUTED = ["Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"] as const;
type Routed = (typeof ROUTED)[number];

/** Calls that reached the kernels below the native ones (the fallback path). */
let below: (name: Routed) => number;
const totalBelow = () => ROUTED.reduce((sum, n) => sum + below(n), 0);

beforeAll(async () => {
  await tf.setBackend("wasm");
  registerWasmKernels();
  below = countWasmKernelCalls(ROUTED);
  registerNativeGemm();
});

/** wasm (native kernels) matches cpu, and no call fell through to the kernels below, unless `fallback` names one that must have. */
async function expectNativeMatchesCpu(f: () => tf.Tensor, fallback?: Routed): Promise<void> {
  const cpu = await on("cpu", f);
  const before = totalBelow();
  const fallbackBefore = fallback == null ? 0 : below(fallback);
  const wasm = await on("wasm", f);
  expectClose(wasm, cpu);
  if (fallback == null) {
    expect(totalBelow() - before, "a conv kernel fell back to wasm").toBe(0);
  } else {
    expect(below(fallback) - fallbackBefore, `${fallback} did not fall back`).toBeGreaterThan(0);
  }
}

/** A non-uniform dy, so that spatial, batch or channel mix-ups show. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, tensor(y.shape, seed)));
}

/** y, ∂/∂x and ∂/∂w of a weighted sum of y = conv(x, w), flattened into one tensor. */
function withGrads(conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor, xs: number[], ws: number[], seed: number): () => tf.Tensor {
  return () => {
    const x = tensor(xs, seed);
    const w = tensor(ws, seed + 1);
    const y = conv(x as tf.Tensor4D, w as tf.Tensor4D);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(conv(a as tf.Tensor4D, b as tf.Tensor4D), seed + 2))([x, w]);
    return tf.concat([y, dx, dw].map((t) => tf.reshape(t, [-1])));
  };
}

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

describe.runIf(built)("native conv kernels (OpenBLAS addon built)", () => {
  it("are the registered wasm kernels", () => {
    for (const name of ROUTED) expect(nativeConvActive(name), name).toBe(true);
  });

  const convCases: [number[], number[], number | [number, number], Pad][] = [
    // [x NHWC], [filter kh, kw, ci, co], strides, pad
    [[2, 7, 7, 3], [3, 3, 3, 4], 1, "same"],
    [[2, 8, 8, 3], [3, 3, 3, 4], 2, "same"],
    [[3, 9, 9, 2], [4, 4, 2, 5], 2, "same"],
    [[2, 8, 8, 1], [4, 4, 1, 6], 2, "same"],
    [[2, 6, 6, 4], [4, 4, 4, 3], 1, "same"],
    [[2, 6, 7, 4], [4, 3, 4, 5], 1, "valid"],
    [[2, 9, 9, 2], [3, 3, 2, 3], 2, "valid"],
    [[3, 8, 8, 5], [4, 4, 5, 2], 2, "valid"],
    [[2, 9, 9, 2], [2, 2, 2, 3], 3, "valid"],
    [[2, 5, 5, 6], [1, 1, 6, 3], 1, "valid"],
    [[2, 5, 6, 6], [1, 1, 6, 3], 1, "same"],
    [[2, 7, 6, 6], [1, 1, 6, 3], 2, "same"],
    [[2, 7, 7, 3], [3, 3, 3, 4], 1, 1],
    [[2, 7, 7, 2], [3, 3, 2, 3], 2, [[0, 0], [1, 2], [0, 1], [0, 0]]],
    [[2, 6, 6, 2], [3, 3, 2, 2], 1, [[0, 0], [3, 0], [0, 4], [0, 0]]],
    [[2, 8, 7, 2], [5, 3, 2, 3], [2, 1], "same"],
  ];

  it.each(convCases)("conv2d x=%j filter=%j strides=%j pad=%j and its gradients w.r.t. x and w match cpu", async (xs, ws, s, pad) => {
    await expectNativeMatchesCpu(withGrads((x, w) => tf.conv2d(x, w, s, pad), xs, ws, 1));
  });

  const transposeCases: [number[], number[], number[], number, "same" | "valid"][] = [
    // [x], [filter kh, kw, out, in], output, stride, pad: DCGAN's 2x upsampling and others
    [[2, 5, 5, 6], [4, 4, 3, 6], [2, 10, 10, 3], 2, "same"],
    [[3, 7, 7, 4], [4, 4, 1, 4], [3, 14, 14, 1], 2, "same"],
    [[2, 6, 6, 5], [4, 4, 4, 5], [2, 12, 12, 4], 2, "same"],
    [[2, 5, 5, 3], [3, 3, 2, 3], [2, 11, 11, 2], 2, "valid"],
    [[2, 6, 6, 3], [3, 3, 2, 3], [2, 6, 6, 2], 1, "same"],
  ];

  it.each(transposeCases)("conv2dTranspose x=%j filter=%j to %j stride %d %s and its gradients match cpu", async (xs, ws, out, s, pad) => {
    await expectNativeMatchesCpu(withGrads((x, w) => tf.conv2dTranspose(x, w, out as [number, number, number, number], s, pad), xs, ws, 4));
  });

  it.each(["floor", "round", "ceil"] as const)("the three kernels with dimRoundingMode %s match cpu", async (mode) => {
    const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 2], [3, 3, 2, 3], 2, 1, 0, mode);
    const common = { strides: 2, pad: 0, dataFormat: "NHWC", dimRoundingMode: mode };
    await expectNativeMatchesCpu(() => {
      const x = tensor([2, 8, 8, 2], 6);
      const w = tensor([3, 3, 2, 3], 7);
      const dy = tensor([2, info.outHeight, info.outWidth, 3], 8);
      const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
      return tf.concat([
        run("Conv2D", { x, filter: w }, { ...common, dilations: 1 }),
        run("Conv2DBackpropInput", { dy, filter: w }, { ...common, inputShape: [2, 8, 8, 2] }),
        run("Conv2DBackpropFilter", { x, dy }, { ...common, filterShape: [3, 3, 2, 3] }),
      ].map((t) => tf.reshape(t, [-1])));
    });
  });

  it.each([
    ["relu", [4]],
    ["linear", [4]],
    ["relu", [1]],
    ["relu", null],
  ] as const)("fused conv2d with %s and bias %j (and its gradients) matches cpu", async (activation, biasShape) => {
    await expectNativeMatchesCpu(() => {
      const bias = biasShape == null ? undefined : tensor([...biasShape], 9);
      const conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.fused.conv2d({ x, filter: w, strides: 2, pad: "same", bias, activation });
      return withGrads(conv, [2, 7, 7, 3], [3, 3, 3, 4], 10)();
    });
  });

  it("a fused conv2d with another activation goes to the kernel below", async () => {
    await expectNativeMatchesCpu(() => {
      const bias = tensor([4], 11);
      return tf.fused.conv2d({ x: tensor([2, 7, 7, 3], 12) as tf.Tensor4D, filter: tensor([3, 3, 3, 4], 13) as tf.Tensor4D, strides: 1, pad: "same", bias, activation: "relu6" });
    }, "FusedConv2D");
  });

  it("a dilated conv2d goes to the kernel below", async () => {
    await expectNativeMatchesCpu(() => tf.conv2d(tensor([2, 9, 9, 2], 14) as tf.Tensor4D, tensor([3, 3, 2, 3], 15) as tf.Tensor4D, 1, "same", "NHWC", 2), "Conv2D");
  });

  it("NCHW goes to the kernels below (input and filter gradients match cpu; wasm has no NCHW Conv2D)", async () => {
    const common = { strides: 2, pad: "same", dataFormat: "NCHW" };
    await expectNativeMatchesCpu(() => {
      const inputs = { dy: tensor([2, 4, 4, 4], 16), filter: tensor([3, 3, 3, 4], 17) };
      return tf.engine().runKernel("Conv2DBackpropInput", inputs, { ...common, inputShape: [2, 3, 7, 7] }) as tf.Tensor;
    }, "Conv2DBackpropInput");
    await expectNativeMatchesCpu(() => {
      const inputs = { x: tensor([2, 3, 7, 7], 18), dy: tensor([2, 4, 4, 4], 19) };
      return tf.engine().runKernel("Conv2DBackpropFilter", inputs, { ...common, filterShape: [3, 3, 3, 4] }) as tf.Tensor;
    }, "Conv2DBackpropFilter");
    await tf.setBackend("wasm");
    const before = below("Conv2D");
    expect(() =>
      tf.tidy(() => tf.engine().runKernel("Conv2D", { x: tensor([2, 3, 7, 7], 20), filter: tensor([3, 3, 3, 4], 21) }, { ...common, dilations: 1 })),
    ).toThrow(/dataFormat/);
    expect(below("Conv2D")).toBe(before + 1);
  });

  it("refuses operands outside the heap and impossible geometry", () => {
    const g = loadGemmAddon()!;
    const heap = new ArrayBuffer(64);
    // x [1,2,2,1], w [1,1,1,1], y [1,2,2,1]: 16 + 4 + 16 bytes.
    const geometry = [1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 0, 0] as const;
    expect(() => g.conv2d!(heap, 0, 16, 20, ...geometry)).not.toThrow();
    expect(() => g.conv2d!(heap, 0, 16, 52, ...geometry)).toThrow(RangeError);
    expect(() => g.conv2dBackpropInput!(heap, 0, 16, 60, ...geometry)).toThrow(RangeError);
    expect(() => g.conv2dBackpropFilter!(heap, 0, 56, 20, ...geometry)).toThrow(RangeError);
    expect(() => g.conv2d!(heap, 0, 16, 20, 1, 2, 2, 1, 2, 2, 1, 1, 1, 0, 1, 0, 0)).toThrow(RangeError);
  });

  it("leaves the tensor count and wasm buffers flat", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([3, 8, 8, 4]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 5]) as tf.Tensor4D;
    const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")))([x, w]));
    step();
    const before = tf.memory();
    for (let i = 0; i < 10; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, w]);
  });

  it("unregisterNativeKernels puts the previous conv kernels back, and registering again restores them", () => {
    unregisterNativeKernels();
    for (const name of ROUTED) expect(nativeConvActive(name), name).toBe(false);
    registerNativeGemm();
    for (const name of ROUTED) expect(nativeConvActive(name), name).toBe(true);
  });
});

describe.runIf(!built)("native conv kernels (addon not built or switched off here)", () => {
  it("are not registered: the wasm conv kernels stay in place", () => {
    expect(registerNativeGemm()).toBe(false);
    for (const name of ROUTED) expect(nativeConvActive(name), name).toBe(false);
  });

  it("conv2d and its gradients still match cpu", async () => {
    await expectNativeMatchesCpu(withGrads((x, w) => tf.conv2d(x, w, 2, "same"), [2, 8, 8, 3], [4, 4, 3, 5], 30), "Conv2D");
  });
});
