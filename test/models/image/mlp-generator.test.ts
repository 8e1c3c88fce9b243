// Salimans et al.'s MNIST generator (src/models/image/mlp-generator.ts): its weights, and its
// forward pass against the same computation done here in float64 with plain loops (dense, batch
// statistics over the batch, softplus, weight norm, tanh), and as SGAN's G when the config says so.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MLP_G_HIDDEN, mlpGenerator } from "../../../src/models/image/mlp-generator.ts";
import { ParamInit } from "../../../src/models/image/params.ts";
import { sgan, SGAN_D_DEFAULTS } from "../../../src/models/image/sgan.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const shape = { height: 4, width: 3, channels: 1 };

/** Row-major [rows, cols] matrix product in float64. */
function matMul(a: number[][], w: Float32Array, cols: number): number[][] {
  return a.map((row) => Array.from({ length: cols }, (_, j) => row.reduce((s, v, k) => s + v * w[k * cols + j], 0)));
}

function float64Forward(p: ParamInit, z: number[][], hidden: readonly number[], out: number): number[][] {
  let h = z;
  hidden.forEach((n, i) => {
    const a = matMul(h, p.arrays[`g.fc${i}.w`].data, n);
    const gamma = p.arrays[`g.bn${i}.gamma`].data;
    const beta = p.arrays[`g.bn${i}.beta`].data;
    const mean = Array.from({ length: n }, (_, j) => a.reduce((s, r) => s + r[j], 0) / a.length);
    const variance = Array.from({ length: n }, (_, j) => a.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / a.length);
    h = a.map((r) => r.map((v, j) => Math.log1p(Math.exp(((v - mean[j]) / Math.sqrt(variance[j] + 1e-5)) * gamma[j] + beta[j]))));
  });
  const v = p.arrays["g.out.v"].data;
  const g = p.arrays["g.out.g"].data;
  const b = p.arrays["g.out.b"].data;
  const fanIn = h[0].length;
  const norms = Array.from({ length: out }, (_, j) => Math.sqrt(Array.from({ length: fanIn }, (_, k) => v[k * out + j] ** 2).reduce((s, x) => s + x, 0)));
  const w = Float32Array.from({ length: fanIn * out }, (_, i) => (v[i] * g[i % out]) / norms[i % out]);
  return matMul(h, w, out).map((r) => r.map((x, j) => Math.tanh(x + b[j])));
}

describe("Salimans et al.'s MLP generator", () => {
  it("declares z → 500 → 500 → H·W·C: dense weights without bias, BN scale and offset, a weight-normed output", () => {
    const init = new ParamInit(new Rng(1));
    mlpGenerator({ zDim: 16, hidden: MLP_G_HIDDEN, shape: { height: 28, width: 28, channels: 1 } }).initG(init);
    expect(Object.fromEntries(Object.entries(init.arrays).map(([k, v]) => [k, v.shape]))).toEqual({
      "g.fc0.w": [16, 500],
      "g.bn0.gamma": [500],
      "g.bn0.beta": [500],
      "g.fc1.w": [500, 500],
      "g.bn1.gamma": [500],
      "g.bn1.beta": [500],
      "g.out.v": [500, 784],
      "g.out.g": [784],
      "g.out.b": [784],
    });
  });

  it("its forward pass equals a float64 one by hand, with moved BN scales, offsets and output gains", () => {
    const hidden = [5, 4];
    const m = mlpGenerator({ zDim: 3, hidden, shape });
    const init = new ParamInit(new Rng(2));
    m.initG(init);
    // Move the parameters that start at 1 or 0, so that each enters the comparison.
    const rng = new Rng(3);
    for (const name of ["g.bn0.gamma", "g.bn0.beta", "g.bn1.gamma", "g.bn1.beta", "g.out.g", "g.out.b"]) {
      const a = init.arrays[name].data;
      a.set(a.map((x) => x + 0.5 * rng.normal()));
    }
    const z = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.normal()));
    const p = init.tensors();
    const got = tf.tidy(() => m.generate(p, tf.tensor2d(z)).arraySync() as number[][][][]);
    const want = float64Forward(init, z, hidden, 12);
    got.forEach((image, n) => image.flat(2).forEach((v, i) => expect(v).toBeCloseTo(want[n][i], 4)));
    expect(got[0].length).toBe(4);
    expect(got[0][0].length).toBe(3);
    tf.dispose(Object.values(p));
  });

  it("is SGAN's G with generator: mlp, and DCGAN's by default", () => {
    const spec = { zDim: 16, width: 8, shape: { height: 28, width: 28, channels: 1 }, classes: 10, ...SGAN_D_DEFAULTS };
    const names = (generator?: "mlp" | "dcgan") => {
      const init = new ParamInit(new Rng(1));
      sgan({ ...spec, generator }).initG(init);
      return Object.keys(init.arrays);
    };
    expect(names("mlp")).toContain("g.out.v");
    expect(names()).toContain("g.up1.w");
    expect(names("dcgan")).toEqual(names());
  });
});
