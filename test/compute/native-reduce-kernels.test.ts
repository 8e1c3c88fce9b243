// The native Sum/Mean over a block of axes (src/compute/native-reduce-kernels.ts) and LeakyRelu
// (src/compute/leaky-relu.ts: the native forward kernel and the dy · step(x, α) gradient) against
// the tfjs cpu backend. Where the addon is not built (or EVOGAN_NATIVE_GEMM=off or
// EVOGAN_NATIVE_REDUCE=off) the suite checks that wasm's kernels stay in place instead; the gradient
// is checked either way (it is not native).
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { leakyReluGradientIsStep, nativeLeakyReluActive, registerLeakyReluGradient } from "../../src/compute/leaky-relu.ts";
import { loadGemmAddon, registerNativeGemm, unregisterNativeKernels } from "../../src/compute/native-kernels.ts";
import { nativeReduceActive, reductionBlock } from "../../src/compute/native-reduce-kernels.ts";
import { registerWasmKernels } from "../../src/compute/wasm-kernels.ts";
import { countWasmKernelCalls, expectClose, on, type Result, tensor, values } from "../helpers/cpu-reference.ts";

const built = loadGemmAddon() !== null && process.env.EVOGAN_NATIVE_REDUCE !== "off";
const stepGradient = process.env.EVOGAN_LEAKY_RELU_GRAD !== "tfjs";
const ROUTED = ["Sum", "Mean", "LeakyRelu"] as const;
type Routed = (typeof ROUTED)[number];

/** Calls that reached the kernels below the native ones (the fallback path). */
let below: (name: Routed) => number;

beforeAll(async () => {
  await tf.setBackend("wasm");
  registerWasmKernels();
  registerLeakyReluGradient(); // as useBackend does
  below = countWasmKernelCalls(ROUTED);
  registerNativeGemm();
});

/** wasm matches cpu; `fallback` names the kernel that must have gone below the native one, if any. */
async function expectWasmMatchesCpu(f: () => tf.Tensor, opts: { fallback?: Routed; native?: Routed } = {}): Promise<Result> {
  const cpu = await on("cpu", f);
  const before = new Map(ROUTED.map((n) => [n, below(n)]));
  const wasm = await on("wasm", f);
  expectClose(wasm, cpu);
  if (opts.fallback != null) expect(below(opts.fallback) - (before.get(opts.fallback) ?? 0), `${opts.fallback} did not fall back`).toBeGreaterThan(0);
  if (opts.native != null) expect(below(opts.native) - (before.get(opts.native) ?? 0), `${opts.native} fell back to wasm`).toBe(0);
  return wasm;
}

/** Sum or Mean of a deterministic x (shifted off zero, so that means are not all ~0). */
function reduce(op: "sum" | "mean", shape: number[], axis: number | number[] | null, keepDims: boolean, seed = 1): () => tf.Tensor {
  return () => tf[op](tf.add(tensor(shape, seed), 0.25), axis ?? undefined, keepDims);
}

/** tfjs-core's own LeakyRelu gradient, written out: where(x > 0, dy, α·dy). */
const tfjsLeakyReluGrad = (x: tf.Tensor, dy: tf.Tensor, alpha: number) => tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha));

// [shape, axis, keepDims]: a block of axes x[P, R, C] that runs natively.
const NATIVE_CASES: [number[], number | number[] | null, boolean][] = [
  [[6, 5], 0, false],
  [[6, 5], [0], true],
  [[4, 5, 3], [0, 1], false],
  [[4, 5, 3], [0, 1], true],
  [[3, 4, 5, 6], [0, 1, 2], false],
  [[3, 4, 5, 6], [0, 1, 2], true],
  [[3, 4, 5, 6], [0], false],
  [[3, 4, 5, 6], [-4, -3, -2], false],
  [[3, 4, 5, 6], [1, 0], true],
  [[3, 4, 5, 6], [2, 0, 1], false],
  [[3, 4, 5, 6], null, false],
  [[3, 4, 5, 6], null, true],
  [[4, 5], [1, 0], false],
  [[4, 5, 5, 1], [0, 1, 2], false], // C = 1 (a one-channel bias gradient)
  [[4, 5, 5, 3], [0, 1, 2], true], // C = 3 (lanes not a multiple of C's rows)
  [[3, 5, 4, 7], [1, 2], false], // BigGAN's sumSpatial: P = N
  [[3, 5, 4, 7], [1, 2], true],
  [[2, 3, 4, 5], [1], false],
  [[4, 5, 1], [1], false], // not innermost only because of a trailing 1
  [[1, 5, 6], [1, 2], false], // innermost, but P = 1: one block
];

describe.runIf(built)("native reductions and LeakyRelu (OpenBLAS addon built)", () => {
  it("are the registered wasm kernels", () => {
    expect(nativeReduceActive("Sum")).toBe(true);
    expect(nativeReduceActive("Mean")).toBe(true);
    expect(nativeLeakyReluActive()).toBe(true);
  });

  it.each(NATIVE_CASES)("sum of x%j over axis %j (keepDims %s) matches cpu", async (shape, axis, keepDims) => {
    await expectWasmMatchesCpu(reduce("sum", shape, axis, keepDims), { native: "Sum" });
  });

  it.each(NATIVE_CASES)("mean of x%j over axis %j (keepDims %s) matches cpu", async (shape, axis, keepDims) => {
    await expectWasmMatchesCpu(reduce("mean", shape, axis, keepDims), { native: "Mean" });
  });

  it("a [6272, 32] column sum matches cpu to float precision (double accumulators, as cpu)", async () => {
    // 6272 = 32·14·14: the bias gradient of D's first conv at batch 32. All positive, so that the
    // columns grow and a float accumulator's rounding would show.
    const f = () => tf.sum(tf.add(tensor([6272, 32], 2), 1.5), 0);
    const cpu = await on("cpu", f);
    const before = below("Sum");
    const wasm = await on("wasm", f);
    expect(below("Sum")).toBe(before);
    const worst = Math.max(...cpu.data.map((c, i) => Math.abs(wasm.data[i] - c) / Math.abs(c)));
    expect(worst).toBeLessThanOrEqual(2e-7);
  });

  it.each([
    ["innermost axes [1, 2] of a rank-3 tensor", "sum", [4, 5, 6], [1, 2]],
    ["axis -1 of a rank-2 tensor", "sum", [6, 5], -1],
    ["axes [0, 2] (not contiguous)", "sum", [3, 4, 5], [0, 2]],
    ["axes [1, 3] of a rank-4 tensor", "mean", [2, 3, 4, 5], [1, 3]],
    ["innermost axis of a mean", "mean", [6, 5], 1],
  ] as const)("%s goes to the kernel below", async (_, op, shape, axis) => {
    await expectWasmMatchesCpu(reduce(op, [...shape], typeof axis === "number" ? axis : [...axis], false), { fallback: op === "sum" ? "Sum" : "Mean" });
  });

  it.each([
    ["sum", [0, 1]],
    ["sum", null],
    ["mean", [0, 1]],
  ] as const)("an int32 %s over %j goes to the kernel below", async (op, axis) => {
    const f = () => tf[op](tf.tensor(values([4, 5, 3], 3).map((v) => Math.round(10 * v)), [4, 5, 3], "int32"), axis === null ? undefined : [...axis]);
    await expectWasmMatchesCpu(f, { fallback: op === "sum" ? "Sum" : "Mean" });
  });

  it("an empty tensor's sum goes to the kernel below", async () => {
    const before = below("Sum");
    expect((await on("wasm", () => tf.sum(tf.zeros([0, 3]), 0))).shape).toEqual([3]);
    expect(below("Sum")).toBeGreaterThan(before);
  });

  it("batch-norm moments and their gradients (bias-add gradients included) match cpu", async () => {
    await expectWasmMatchesCpu(
      () => {
        const x = tensor([4, 5, 5, 6], 4);
        const b = tensor([6], 5);
        const bn = (a: tf.Tensor, c: tf.Tensor) => {
          const h = tf.add(a, c);
          const { mean, variance } = tf.moments(h, [0, 1, 2]);
          return tf.sum(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), tensor([4, 5, 5, 6], 6)));
        };
        const [dx, db] = tf.grads(bn)([x, b]);
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.concat([mean, variance, dx, db].map((t) => tf.reshape(t, [-1])));
      },
      { native: "Sum" },
    );
  });

  it("leakyRelu forward matches cpu, with x = 0, -0, ±Infinity and NaN", async () => {
    const special = [0, -0, Infinity, -Infinity, NaN, 1e-30, -1e-30];
    const f = () => tf.leakyRelu(tf.tensor([...values([3, 5, 4], 7, -0.3), ...special]), 0.2);
    const cpu = await on("cpu", f);
    const before = below("LeakyRelu");
    const wasm = await on("wasm", f);
    expect(below("LeakyRelu")).toBe(before);
    // cpu multiplies by α in double, the native kernel in float: equal within an ulp, and exactly
    // equal where it matters (zeros with their sign, infinities, NaN).
    expect(wasm.data.length).toBe(cpu.data.length);
    cpu.data.forEach((c, i) => {
      if (Number.isNaN(c) || c === 0 || !Number.isFinite(c)) expect(Object.is(wasm.data[i], c), `at ${i}: ${wasm.data[i]} vs ${c}`).toBe(true);
      else expect(Math.abs(wasm.data[i] - c), `at ${i}`).toBeLessThanOrEqual(1e-7 * Math.abs(c));
    });
  });

  it("an int32 leakyRelu goes to the kernel below", async () => {
    const f = () => tf.leakyRelu(tf.tensor([-3, -1, 0, 2, 5], [5], "int32"), 0.25);
    const cpu = await on("cpu", f);
    const before = below("LeakyRelu");
    const wasm = await on("wasm", f);
    expect(wasm.data).toEqual(cpu.data);
    expect(below("LeakyRelu")).toBeGreaterThan(before);
  });

  it("refuses operands outside the heap and impossible sizes", () => {
    const g = loadGemmAddon()!;
    const heap = new ArrayBuffer(64);
    // x [2, 3, 2] at 0 (48 bytes), out [2, 2] at 48 (16 bytes).
    expect(() => g.reduceSum!(heap, 0, 48, 2, 3, 2, 1)).not.toThrow();
    expect(() => g.reduceSum!(heap, 0, 52, 2, 3, 2, 1)).toThrow(RangeError);
    expect(() => g.reduceSum!(heap, 20, 48, 2, 3, 2, 1)).toThrow(RangeError);
    expect(() => g.reduceSum!(heap, 0, 48, 2, -3, 2, 1)).toThrow(RangeError);
    expect(() => g.reduceSum!(heap, 0, 48, 2, 1.5, 2, 1)).toThrow(RangeError);
    expect(() => g.leakyRelu!(heap, 0, 32, 8, 0.2)).not.toThrow();
    expect(() => g.leakyRelu!(heap, 0, 36, 8, 0.2)).toThrow(RangeError);
    expect(() => g.leakyRelu!(heap, 2, 32, 8, 0.2)).toThrow(RangeError);
  });

  it("leaves the tensor count and wasm buffers flat", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([3, 6, 6, 4]);
    const step = () => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mean(tf.leakyRelu(a, 0.2), [0, 1, 2])))(x));
    step();
    const before = tf.memory();
    for (let i = 0; i < 10; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
  });

  it("unregisterNativeKernels puts the previous kernels back, and registering again restores them", () => {
    unregisterNativeKernels();
    expect([nativeReduceActive("Sum"), nativeReduceActive("Mean"), nativeLeakyReluActive()]).toEqual([false, false, false]);
    registerNativeGemm();
    expect([nativeReduceActive("Sum"), nativeReduceActive("Mean"), nativeLeakyReluActive()]).toEqual([true, true, true]);
  });
});

describe.runIf(!built)("native reductions and LeakyRelu (addon not built or switched off here)", () => {
  it("are not registered: wasm's Sum, Mean and LeakyRelu stay in place", () => {
    registerNativeGemm();
    expect([nativeReduceActive("Sum"), nativeReduceActive("Mean"), nativeLeakyReluActive()]).toEqual([false, false, false]);
  });

  it("a sum over leading axes still matches cpu", async () => {
    await expectWasmMatchesCpu(reduce("sum", [3, 4, 5, 6], [0, 1, 2], false), { fallback: "Sum" });
  });
});

describe("reductionBlock: which reductions are a block x[P, R, C]", () => {
  it.each([
    [[3, 4, 5, 6], [0, 1, 2], false, { P: 1, R: 60, C: 6, outShape: [6] }],
    [[3, 4, 5, 6], [-3, -4], true, { P: 1, R: 12, C: 30, outShape: [1, 1, 5, 6] }],
    [[3, 4, 5, 6], null, false, { P: 1, R: 360, C: 1, outShape: [] }],
    [[3, 4, 5, 6], [1, 2], false, { P: 3, R: 20, C: 6, outShape: [3, 6] }],
    [[3, 4, 5, 6], [2, 3], false, undefined],
    [[3, 4, 5, 6], [0, 2], false, undefined],
    [[3, 4, 5, 6], [0, 0], false, undefined],
    [[3, 4, 5, 6], [], false, undefined],
    [[3, 4, 5, 6], [4], false, undefined],
    [[3, 0, 5], [0], false, undefined],
  ] as const)("x%j over %j (keepDims %s) is %j", (shape, axis, keepDims, want) => {
    expect(reductionBlock([...shape], axis === null ? null : [...axis], keepDims)).toEqual(want);
  });
});

describe("LeakyRelu gradient dy · step(x, α) (every backend)", () => {
  it("is the registered gradient", () => {
    expect(leakyReluGradientIsStep()).toBe(stepGradient);
  });

  it.each(["cpu", "wasm"] as const)("on %s it equals tfjs-core's where(x > 0, dy, α·dy) on cpu, x = 0 exactly included", async (backend) => {
    const shape = [4, 6, 6, 5];
    const x = () => tensor(shape, 8, -0.2); // about 40% exact zeros
    const dy = () => tensor(shape, 9);
    const xs = values(shape, 8, -0.2);
    const dys = values(shape, 9);
    expect(xs.filter((v) => v === 0).length).toBeGreaterThan(100);
    const expected = await on("cpu", () => tfjsLeakyReluGrad(x(), dy(), 0.2));
    const actual = await on(backend, () => tf.grad((a: tf.Tensor) => tf.leakyRelu(a, 0.2))(x(), dy()));
    expectClose(actual, expected);
    for (let i = 0; i < xs.length; i++) if (xs[i] === 0) expect(actual.data[i]).toBeCloseTo(0.2 * dys[i], 6);
  });

  it("its gradient through a conv and a mean matches cpu (a D-like layer)", async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 6, 6, 3], 10);
      const w = tensor([3, 3, 3, 4], 11);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.mul(tf.leakyRelu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"), 0.2), tensor([2, 3, 3, 4], 12)));
      const [dx, dw] = tf.grads(loss)([x, w]);
      return tf.concat([dx, dw].map((t) => tf.reshape(t, [-1])));
    });
  });

  it.runIf(stepGradient)("a NaN in x gives a NaN gradient on both backends (tfjs-core's gave α·dy)", async () => {
    const f = () => tf.grad((a: tf.Tensor) => tf.leakyRelu(a, 0.2))(tf.tensor([NaN, -1, 0, 1]), tf.ones([4]));
    for (const backend of ["cpu", "wasm"] as const) {
      const r = await on(backend, f);
      expect(r.data[0]).toBeNaN();
      expect(r.data.slice(1)).toEqual([Math.fround(0.2), Math.fround(0.2), 1]);
    }
  });
});
