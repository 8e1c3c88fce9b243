// Layers: declared parameters, conv against a plain-JS convolution with TF's 'same' padding,
// linear, batch norm, pooling and upsampling on hand-made tensors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { avgPool2x, batchNorm, conv, initConv, initDense, linear, sumSpatial, upsample2x } from "../../../src/models/image/layers.ts";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

/** NHWC conv with 'same' padding as TensorFlow defines it (pad total split floor/ceil), float64. */
function refConv(x: number[], [n, h, w, cin]: number[], f: number[], [kh, kw, , cout]: number[], bias: number[], s: number): number[] {
  const oh = Math.ceil(h / s), ow = Math.ceil(w / s);
  const padTop = Math.floor(Math.max((oh - 1) * s + kh - h, 0) / 2);
  const padLeft = Math.floor(Math.max((ow - 1) * s + kw - w, 0) / 2);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let co = 0; co < cout; co++) {
          let acc = bias[co];
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const yi = i * s + di - padTop, xj = j * s + dj - padLeft;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let ci = 0; ci < cin; ci++) acc += x[((b * h + yi) * w + xj) * cin + ci] * f[((di * kw + dj) * cin + ci) * cout + co];
            }
          out.push(acc);
        }
  return out;
}

describe("initConv / initDense", () => {
  it("declares w [kh, kw, cin, cout] (orthogonal) and a zero bias by default, nothing else", () => {
    const init = new ParamInit(new Rng(1));
    initConv(init, "c", 3, 3, 2, 4);
    expect(Object.keys(init.arrays)).toEqual(["c.w", "c.b"]);
    expect(init.arrays["c.w"].shape).toEqual([3, 3, 2, 4]);
    expect(Array.from(init.arrays["c.b"].data)).toEqual([0, 0, 0, 0]);
    // Orthogonal: column 0 of the 18×4 matrix has unit norm.
    const w = init.arrays["c.w"].data;
    let s = 0;
    for (let r = 0; r < 18; r++) s += w[r * 4] ** 2;
    expect(s).toBeCloseTo(1, 5);
  });

  it("sn adds `${name}.w.u` [cout]; bias: false drops the bias; normal init has the asked std", () => {
    const init = new ParamInit(new Rng(2));
    initDense(init, "d", 64, 72, { sn: true, bias: false, init: "normal", std: 0.05 });
    expect(Object.keys(init.arrays)).toEqual(["d.w", "d.w.u"]);
    expect(init.arrays["d.w.u"].shape).toEqual([72]);
    const w = init.arrays["d.w"].data; // 4608 draws: sample std within ~3% of 0.05
    const std = Math.sqrt(w.reduce((a, x) => a + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.047);
    expect(std).toBeLessThan(0.053);
  });
});

describe("conv", () => {
  const rng = new Rng(3);
  const xShape = [2, 4, 5, 2], fShape = [3, 3, 2, 3];
  const x = Array.from(rng.normalArray(80));
  const f = Array.from(rng.normalArray(54));
  const b = [0.1, -0.2, 0.3];

  for (const stride of [1, 2]) {
    it(`matches a plain-JS 'same' convolution with bias, stride ${stride}`, () => {
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => {
        const p = { "c.w": tf.tensor(f, fShape), "c.b": tf.tensor1d(b) };
        return Array.from(conv(tf.tensor4d(x, xShape as [number, number, number, number]), p, "c", undefined, stride).dataSync());
      });
      const want = refConv(x, xShape, f, fShape, b, stride);
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("with a .u buffer convolves with w/σ and records the new u", () => {
    // A 1×1 conv with w = [[2, 0], [0, 1]] (cin 2, cout 2), u = e₀ → σ = 2, u' = e₀.
    const updates: Updates = new Map();
    const got = tf.tidy(() => {
      const p = { "c.w": tf.tensor4d([2, 0, 0, 1], [1, 1, 2, 2]), "c.w.u": tf.tensor1d([1, 0]) };
      return Array.from(conv(tf.tensor4d([3, 4], [1, 1, 1, 2]), p, "c", updates).dataSync());
    });
    expect(got).toEqual([3, 2]); // [3, 4]·diag(1, 0.5)
    expect([...updates.keys()]).toEqual(["c.w.u"]);
  });
});

describe("linear", () => {
  it("x·w + b by hand", () => {
    // [1, 2]·[[1, 0, 2], [3, −1, 1]] = [7, −2, 4]; + [1, 1, −1] = [8, −1, 3]
    const got = tf.tidy(() => {
      const p = { "l.w": tf.tensor2d([[1, 0, 2], [3, -1, 1]]), "l.b": tf.tensor1d([1, 1, -1]) };
      return Array.from(linear(tf.tensor2d([[1, 2]]), p, "l").dataSync());
    });
    expect(got).toEqual([8, -1, 3]);
  });

  it("without a bias entry is x·w", () => {
    const got = tf.tidy(() => Array.from(linear(tf.tensor2d([[1, 2]]), { "l.w": tf.tensor2d([[1], [3]]) }, "l").dataSync()));
    expect(got).toEqual([7]);
  });
});

describe("batchNorm", () => {
  it("[N, C]: per-channel batch mean and biased variance, by hand", () => {
    // channel 0: (1, 3) → μ 2, σ² 1 → ∓1/√(1 + ε); channel 1: (2, 6) → μ 4, σ² 4 → ∓2/√(4 + ε)
    const got = tf.tidy(() => Array.from(batchNorm(tf.tensor2d([[1, 2], [3, 6]])).dataSync()));
    const a = 1 / Math.sqrt(1 + 1e-5), c = 2 / Math.sqrt(4 + 1e-5);
    [-a, -c, a, c].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });

  it("NHWC: statistics over N, H and W, each channel apart", () => {
    // channel 0 holds 0..7, channel 1 holds 10·(0..7): μ = 3.5 / 35, σ² = 5.25 / 525
    const vals = Array.from({ length: 8 }, (_, i) => [i, 10 * i]).flat();
    const got = tf.tidy(() => Array.from(batchNorm(tf.tensor4d(vals, [2, 2, 2, 2]), 0).dataSync()));
    for (let i = 0; i < 8; i++) {
      expect(got[2 * i]).toBeCloseTo((i - 3.5) / Math.sqrt(5.25), 5);
      expect(got[2 * i + 1]).toBeCloseTo((i - 3.5) / Math.sqrt(5.25), 5);
    }
  });
});

describe("resampling", () => {
  it("upsample2x repeats each pixel in a 2×2 block", () => {
    const got = tf.tidy(() => Array.from(upsample2x(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])).dataSync()));
    expect(got).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it("avgPool2x averages each 2×2 block", () => {
    // 4×4 image 0..15: blocks {0,1,4,5} → 2.5, {2,3,6,7} → 4.5, {8,9,12,13} → 10.5, {10,11,14,15} → 12.5
    const got = tf.tidy(() => Array.from(avgPool2x(tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1])).dataSync()));
    expect(got).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it("sumSpatial sums over H and W per sample and channel", () => {
    // sample 0: channel 0 = 1+3+5+7 = 16, channel 1 = 2+4+6+8 = 20; sample 1 is 10× that
    const vals = [1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80];
    const got = tf.tidy(() => {
      const s = sumSpatial(tf.tensor4d(vals, [2, 2, 2, 2]));
      return { shape: s.shape, data: Array.from(s.dataSync()) };
    });
    expect(got.shape).toEqual([2, 2]);
    expect(got.data).toEqual([16, 20, 160, 200]);
  });
});
