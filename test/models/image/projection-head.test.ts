// Projection head logits on hand-computed values.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { initProjectionHead, projectionLogits } from "../../../src/models/image/projection-head.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

// h = [[1, 2, 3], [−1, 0, 2]], linear w = [1, 0, −1]ᵀ, b = 0.5:
//   linear: [1 − 3 + 0.5, −1 − 2 + 0.5] = [−1.5, −2.5]
// embed E = [[1, 1, 1], [0, 2, −1]], y = [1, 0]:
//   sample 0: E[1]·h₀ = 0 + 4 − 3 = 1;  sample 1: E[0]·h₁ = −1 + 0 + 2 = 1
//   logits = [−0.5, −1.5]
const h = [[1, 2, 3], [-1, 0, 2]];
const params = () => ({
  "d.out.linear.w": tf.tensor2d([[1], [0], [-1]]),
  "d.out.linear.b": tf.tensor1d([0.5]),
  "d.out.embed": tf.tensor2d([[1, 1, 1], [0, 2, -1]]),
});

describe("projectionLogits", () => {
  it("linear(h) + Σ_k E[y]_k h_k by hand", () => {
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const l = projectionLogits(tf.tensor2d(h), params(), "d.out", tf.tensor1d([1, 0], "int32"));
      return { shape: l.shape, data: Array.from(l.dataSync()) };
    });
    expect(got.shape).toEqual([2]);
    expect(got.data).toEqual([-0.5, -1.5]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an unconditional head (no embed) is linear(h) alone and ignores y", () => {
    const got = tf.tidy(() => {
      const { "d.out.embed": _, ...p } = params();
      return Array.from(projectionLogits(tf.tensor2d(h), p, "d.out", tf.tensor1d([1, 0], "int32")).dataSync());
    });
    expect(got).toEqual([-1.5, -2.5]);
  });

  it("a conditional head refuses to run without labels", () => {
    expect(() => tf.tidy(() => projectionLogits(tf.tensor2d(h), params(), "d.out"))).toThrow(/labels/);
  });

  it("spectrally normalises the embedding when its .u exists", () => {
    // E = [[2, 0, 0], [0, 1, 0]] viewed [cout = 3, 2]; u = e₀ → v = e₀ (class 0), u' = e₀, σ = 2
    //   E/σ = [[1, 0, 0], [0, 0.5, 0]]; y = [1, 0]: [0.5·2, 1·(−1)] = [1, −1]; + linear [−1.5, −2.5]
    const updates: Updates = new Map();
    const got = tf.tidy(() => {
      const p = { ...params(), "d.out.embed": tf.tensor2d([[2, 0, 0], [0, 1, 0]]), "d.out.embed.u": tf.tensor1d([1, 0, 0]) };
      return Array.from(projectionLogits(tf.tensor2d(h), p, "d.out", tf.tensor1d([1, 0], "int32"), updates).dataSync());
    });
    expect(got).toEqual([-0.5, -3.5]);
    expect([...updates.keys()]).toEqual(["d.out.embed.u"]);
  });
});

describe("initProjectionHead", () => {
  it("declares linear [features, 1] with bias, and embed [numClasses, features] when conditional", () => {
    const init = new ParamInit(new Rng(1));
    initProjectionHead(init, "d.out", 16, 10, { sn: true });
    expect(Object.entries(init.arrays).map(([k, v]) => [k, v.shape])).toEqual([
      ["d.out.linear.w", [16, 1]],
      ["d.out.linear.w.u", [1]],
      ["d.out.linear.b", [1]],
      ["d.out.embed", [10, 16]],
      ["d.out.embed.u", [16]],
    ]);
  });

  it("numClasses 0 declares no embedding", () => {
    const init = new ParamInit(new Rng(1));
    initProjectionHead(init, "d.out", 16, 0);
    expect(Object.keys(init.arrays)).toEqual(["d.out.linear.w", "d.out.linear.b"]);
  });
});
