// Layers: declared parameters, conv against a plain-JS convolution with TF's 'same' padding,
// linear, batch norm, pooling and upsampling on hand-made tensors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { add, avgPool2x, batchNorm, batchNormAffine, conv, initConv, initDense, linear, relu, sumSpatial, upsample2x } from "../../../src/models/image/layers.ts";
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

/** f's value and its gradients for xs under tf.valueAndGrads, as plain arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], r: tf.Tensor): { y: number[]; grads: number[][] } {
  const y = Array.from(f(...xs).dataSync());
  const { grads } = tf.valueAndGrads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)) as tf.Scalar)(xs);
  return { y, grads: grads.map((g) => Array.from(g.dataSync())) };
}

function expectClose(got: { y: number[]; grads: number[][] }, want: { y: number[]; grads: number[][] }, digits = 5): void {
  expect(got.y.length).toBe(want.y.length);
  got.y.forEach((v, i) => expect(v).toBeCloseTo(want.y[i], digits));
  want.grads.forEach((g, k) => g.forEach((v, i) => expect(got.grads[k][i]).toBeCloseTo(v, digits - 1)));
}

describe("batchNormAffine: one tape node with a hand-derived gradient", () => {
  // The plain formula: tf.moments, normalise, then the affine (and ReLU), autodiff through it all.
  function plain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, onePlusGamma: boolean, withRelu: boolean): tf.Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
    const c = x.shape[x.rank - 1];
    const shape = g.rank === 2 ? [x.shape[0], ...x.shape.slice(1, -1).map(() => 1), c] : [c];
    const z = tf.add(tf.mul(xhat, tf.reshape(onePlusGamma ? tf.add(g, 1) : g, shape)), tf.reshape(b, shape));
    return withRelu ? tf.relu(z) : z;
  }
  const rng = new Rng(31);
  const cases = [
    { x: [4, 3, 2, 5], g: [4, 5], name: "NHWC, per-sample γ, β (conditional BN)" },
    { x: [4, 3, 2, 5], g: [5], name: "NHWC, shared γ, β" },
    { x: [6, 5], g: [6, 5], name: "[N, C], per-sample γ, β" },
    { x: [6, 5], g: [5], name: "[N, C], shared γ, β" },
  ];
  for (const { x: xs, g: gs, name } of cases) {
    for (const [onePlusGamma, withRelu] of [[false, false], [true, true]]) {
      it(`${name}${onePlusGamma ? ", 1 + γ" : ""}${withRelu ? ", ReLU" : ""}: values and ∂/∂x, ∂/∂γ, ∂/∂β match the plain formula`, () => {
        const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
        // A mean far from zero relative to the spread: the case a one-pass variance would get wrong.
        const xData = rng.normalArray(size(xs), 3, 0.5), gData = rng.normalArray(size(gs), 0, 0.5), bData = rng.normalArray(size(gs)), rData = rng.normalArray(size(xs));
        const before = tf.memory().numTensors;
        const [want, got] = tf.tidy(() => {
          const args = [tf.tensor(xData, xs), tf.tensor(gData, gs), tf.tensor(bData, gs)];
          const r = tf.tensor(rData, xs);
          return [
            valueAndGrads((x, g, b) => plain(x, g, b, onePlusGamma, withRelu), args, r),
            valueAndGrads((x, g, b) => batchNormAffine(x, g, b, { onePlusGamma, relu: withRelu }), args, r),
          ];
        });
        expect(tf.memory().numTensors).toBe(before);
        expectClose(got, want, 4);
      });
    }
  }
});

describe("ops that save less for autodiff than tfjs's own", () => {
  const rng = new Rng(32);
  const x4 = () => tf.tensor4d(rng.normalArray(2 * 4 * 6 * 3), [2, 4, 6, 3]);

  const pairs: Array<[string, (...a: tf.Tensor[]) => tf.Tensor, (...a: tf.Tensor[]) => tf.Tensor, () => tf.Tensor[]]> = [
    ["add, a bias [C]", (x, b) => add(x, b), (x, b) => tf.add(x, b), () => [x4(), tf.tensor1d(rng.normalArray(3))]],
    ["add, same shapes", (x, y) => add(x, y), (x, y) => tf.add(x, y), () => [x4(), x4()]],
    ["relu", (x) => relu(x), (x) => tf.relu(x), () => [x4()]],
    ["upsample2x", (x) => upsample2x(x as tf.Tensor4D), (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 12]), () => [x4()]],
    ["avgPool2x", (x) => avgPool2x(x as tf.Tensor4D), (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, "valid"), () => [x4()]],
    ["sumSpatial", (x) => sumSpatial(x as tf.Tensor4D), (x) => tf.sum(x, [1, 2]), () => [x4()]],
    ["sumSpatial of ReLU", (x) => sumSpatial(x as tf.Tensor4D, { relu: true }), (x) => tf.sum(tf.relu(x), [1, 2]), () => [x4()]],
  ];
  for (const [name, mine, theirs, inputs] of pairs) {
    it(`${name}: the same values and gradients as the plain tf ops`, () => {
      const before = tf.memory().numTensors;
      const [want, got] = tf.tidy(() => {
        const args = inputs();
        const r = tf.randomNormal(theirs(...args).shape, 0, 1, "float32", 5);
        return [valueAndGrads(theirs, args, r), valueAndGrads(mine, args, r)];
      });
      expect(tf.memory().numTensors).toBe(before);
      expectClose(got, want);
    });
  }

  it("conv gives the same values on the tape (conv2d + add) as off it (one fused kernel)", () => {
    const [onTape, offTape] = tf.tidy(() => {
      const p = { "c.w": tf.tensor4d(rng.normalArray(3 * 3 * 3 * 4), [3, 3, 3, 4]), "c.b": tf.tensor1d(rng.normalArray(4)) };
      const x = x4();
      let taped: number[] = [];
      tf.grad((a: tf.Tensor) => {
        const y = conv(a as tf.Tensor4D, p, "c");
        taped = Array.from(y.dataSync());
        return tf.sum(y);
      })(x);
      return [taped, Array.from(conv(x, p, "c").dataSync())];
    });
    onTape.forEach((v, i) => expect(v).toBeCloseTo(offTape[i], 5));
  });
});
