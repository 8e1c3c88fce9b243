// The native GEMM kernels (OpenBLAS on the wasm heap) against the cpu backend. CI installs
// libopenblas-dev, so the addon is built there; where it is not built these tests say so and
// check that wasm's own kernels stay in place.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { loadGemmAddon, registerNativeGemm } from "../../src/compute/native-kernels.ts";
import { registerWasmKernels } from "../../src/compute/wasm-kernels.ts";
import { Rng } from "../../src/util/rng.ts";

const built = loadGemmAddon() !== null;
const rng = new Rng(17);
const rand = (shape: number[]) => ({ shape, values: rng.normalArray(shape.reduce((a, b) => a * b, 1)) });
type Spec = ReturnType<typeof rand>;

async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = f();
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

function close(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * scale);
}

beforeAll(async () => {
  await tf.setBackend("wasm");
  registerWasmKernels();
  registerNativeGemm();
});

describe.runIf(built)("native GEMM kernels (OpenBLAS addon built)", () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[7, 5], [5, 3], false, false],
    [[5, 7], [5, 3], true, false],
    [[7, 5], [3, 5], false, true],
    [[5, 7], [3, 5], true, true],
    [[3, 4, 6], [3, 6, 2], false, false],
    [[3, 6, 4], [6, 2], true, false],
    [[1, 4, 6], [3, 2, 6], false, true],
    [[256, 64], [64, 128], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`matMul ${sa} x ${sb} (transposeA ${ta}, transposeB ${tb}) matches the cpu backend`, async () => {
      const [a, b] = [rand(sa), rand(sb)];
      const f = () => tf.matMul(tf.tensor(a.values, a.shape), tf.tensor(b.values, b.shape), ta, tb);
      close(await on("wasm", f), await on("cpu", f));
    });
  }

  it("fused matMul + bias + relu (and a bias of one) matches the cpu backend", async () => {
    const [a, b, bias, one] = [rand([9, 6]), rand([6, 4]), rand([4]), rand([1])];
    for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
      const A: Spec = ta ? rand([6, 9]) : a;
      const B: Spec = tb ? rand([4, 6]) : b;
      for (const [bi, act] of [[bias, "relu"], [one, "linear"], [undefined, "relu"]] as const) {
        const f = () =>
          tf.fused.matMul({ a: tf.tensor2d(A.values, [A.shape[0], A.shape[1]]), b: tf.tensor2d(B.values, [B.shape[0], B.shape[1]]), transposeA: ta, transposeB: tb, bias: bi && tf.tensor(bi.values, bi.shape), activation: act });
        close(await on("wasm", f), await on("cpu", f));
      }
    }
  });

  it("dense-layer gradients through the native kernels match the cpu backend", async () => {
    const [x, w] = [rand([8, 5]), rand([5, 3])];
    const grads = () => {
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)))));
      return tf.concat(g([tf.tensor(x.values, x.shape), tf.tensor(w.values, w.shape)]).map((t) => t.flatten()));
    };
    close(await on("wasm", grads), await on("cpu", grads));
  });

  it("leaves the tensor count and wasm buffers flat", async () => {
    await tf.setBackend("wasm");
    const a = tf.randomNormal([16, 8]);
    const b = tf.randomNormal([8, 4]);
    tf.matMul(a, b).dispose();
    const before = tf.memory();
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: "relu", bias: tf.ones([4]) });
        tf.matMul(a, b, false, false);
      });
    }
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([a, b]);
  });
});

describe.runIf(!built)("native GEMM kernels (addon not built here)", () => {
  it("are not required here (CI sets EVOGAN_REQUIRE_NATIVE_GEMM=1 once it has installed OpenBLAS)", () => {
    expect(process.env.EVOGAN_REQUIRE_NATIVE_GEMM).not.toBe("1");
  });

  it("registering them changes nothing and reports false", () => {
    const k = tf.getKernel("BatchMatMul", "wasm");
    expect(registerNativeGemm()).toBe(false);
    expect(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc).toBe(k?.kernelFunc);
  });
});
