// Conditional batch norm and the class embedding on hand-computed tiny tensors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { conditionalBatchNorm, embed, initConditionalBn, initEmbedding } from "../../../src/models/image/conditional-bn.ts";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

// c = [[1, 0], [0, 2]] (N = 2, cdim = 2), W_γ = [[0.5, −1], [0, 0.25]], W_β = [[1, 0], [−1, 2]]
//   c·W_γ = [[0.5, −1], [0, 0.5]]  → gain 1 + c·W_γ = [[1.5, 0], [1, 1.5]]
//   c·W_β = [[1, 0], [−2, 4]]
const c = [[1, 0], [0, 2]];
const params = () => ({ "bn.gain": tf.tensor2d([[0.5, -1], [0, 0.25]]), "bn.bias": tf.tensor2d([[1, 0], [-1, 2]]) });

describe("conditionalBatchNorm", () => {
  it("[N, C]: BN(x)·(1 + c·W_γ) + c·W_β by hand", () => {
    // x = [[1, 2], [3, 6]] → BN(x) = [[−1, −1], [1, 1]] (ε = 1e-5 makes it 1/√(1+ε), 2/√(4+ε))
    //   sample 0: [−1·1.5 + 1, −1·0 + 0] = [−0.5, 0]; sample 1: [1·1 − 2, 1·1.5 + 4] = [−1, 5.5]
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => Array.from(conditionalBatchNorm(tf.tensor2d([[1, 2], [3, 6]]), tf.tensor2d(c), params(), "bn").dataSync()));
    const a = 1 / Math.sqrt(1 + 1e-5), b = 2 / Math.sqrt(4 + 1e-5);
    [-a * 1.5 + 1, -b * 0 + 0, a * 1 - 2, b * 1.5 + 4].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("NHWC: each sample's gain and bias apply at every pixel", () => {
    // x [2, 1, 2, 2]: sample 0 pixels (0, 0), (2, 4); sample 1 pixels (4, 8), (6, 12).
    // channel 0 holds 0, 2, 4, 6: μ 3, σ² 5; channel 1 holds 0, 4, 8, 12: μ 6, σ² 20 → same BN values
    //   BN = (−3, −1, 1, 3)/√5 per channel
    const got = tf.tidy(() =>
      Array.from(conditionalBatchNorm(tf.tensor4d([0, 0, 2, 4, 4, 8, 6, 12], [2, 1, 2, 2]), tf.tensor2d(c), params(), "bn").dataSync()),
    );
    const s = Math.sqrt(5 + 1e-5), t = Math.sqrt(20 + 1e-5);
    const want = [
      (-3 / s) * 1.5 + 1, ((-3 * 2) / t) * 0 + 0, // sample 0, pixel 0
      (-1 / s) * 1.5 + 1, ((-1 * 2) / t) * 0 + 0, // sample 0, pixel 1
      (1 / s) * 1 - 2, ((1 * 2) / t) * 1.5 + 4, // sample 1, pixel 0
      (3 / s) * 1 - 2, ((3 * 2) / t) * 1.5 + 4, // sample 1, pixel 1
    ];
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  it("spectrally normalises W_γ and W_β when their .u buffers exist", () => {
    // W_γ = diag(2, 1), u = e₀ → σ 2 → W_γ/σ = diag(1, 0.5); W_β = 0 (σ clamps through ε, stays 0).
    // x = [[1, 2], [3, 6]], c = I → gain = [[2, 1], [1, 1.5]], bias 0.
    const updates: Updates = new Map();
    const got = tf.tidy(() => {
      const p = {
        "bn.gain": tf.tensor2d([[2, 0], [0, 1]]),
        "bn.gain.u": tf.tensor1d([1, 0]),
        "bn.bias": tf.tensor2d([[0, 0], [0, 0]]),
      };
      return Array.from(conditionalBatchNorm(tf.tensor2d([[1, 2], [3, 6]]), tf.tensor2d([[1, 0], [0, 1]]), p, "bn", updates).dataSync());
    });
    const a = 1 / Math.sqrt(1 + 1e-5), b = 2 / Math.sqrt(4 + 1e-5);
    [-a * 2, -b * 1, a * 1, b * 1.5].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect([...updates.keys()]).toEqual(["bn.gain.u"]);
  });

  it("initConditionalBn declares gain and bias [cdim, channels], with .u when sn", () => {
    const init = new ParamInit(new Rng(1));
    initConditionalBn(init, "g.bn0", 20, 16, { sn: true });
    expect(Object.entries(init.arrays).map(([k, v]) => [k, v.shape])).toEqual([
      ["g.bn0.gain", [20, 16]],
      ["g.bn0.gain.u", [16]],
      ["g.bn0.bias", [20, 16]],
      ["g.bn0.bias.u", [16]],
    ]);
  });
});

describe("embed", () => {
  const table = [[1, 2], [3, 4], [5, 6]];

  it("gathers rows of the table by label", () => {
    const got = tf.tidy(() => Array.from(embed({ e: tf.tensor2d(table) }, "e", tf.tensor1d([2, 0, 2], "int32")).dataSync()));
    expect(got).toEqual([5, 6, 1, 2, 5, 6]);
  });

  it("has a gradient on wasm: ∂Σ embed/∂E counts each label (rows 0: 1, 1: 0, 2: 2)", () => {
    const got = tf.tidy(() => {
      const y = tf.tensor1d([2, 0, 2], "int32");
      return Array.from(tf.grad((e: tf.Tensor) => tf.sum(embed({ e }, "e", y)))(tf.tensor2d(table)).dataSync());
    });
    expect(got).toEqual([1, 1, 0, 0, 2, 2]);
  });

  it("initEmbedding declares an orthogonal [numClasses, dim] table", () => {
    const init = new ParamInit(new Rng(4));
    initEmbedding(init, "shared", 10, 4);
    const { shape, data } = init.arrays.shared;
    expect(shape).toEqual([10, 4]);
    let s = 0;
    for (let r = 0; r < 10; r++) s += data[r * 4 + 1] ** 2; // a column has unit norm
    expect(s).toBeCloseTo(1, 5);
  });
});
