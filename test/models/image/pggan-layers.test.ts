// PGGAN's layers against values worked out by hand: equalized-lr conv and dense (and the scale
// their gradients carry), pixelwise normalization, minibatch standard deviation (one group, the
// paper code's strided groups of 4, batch sizes that are no multiple of 4), the fade-in blend,
// and resampling nodes that can be differentiated twice.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamInit } from "../../../src/models/image/params.ts";
import { eqConv, eqDense, fadeIn, fadeReals, heScale, initEqConv, initEqDense, lrelu, mbstdGroupSize, minibatchStddev, pixelNorm, pool2x, rescale, up2x, withZeroGradients } from "../../../src/models/image/pggan-layers.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const read = (f: () => tf.Tensor): number[] => tf.tidy(() => Array.from(f().dataSync()));

describe("equalized learning rate", () => {
  it("declares weights N(0, 1) (no scale stored) and zero biases", () => {
    const init = new ParamInit(new Rng(4));
    initEqConv(init, "c", 3, 16, 32);
    initEqDense(init, "d", 64, 8);
    expect(Object.keys(init.arrays)).toEqual(["c.w", "c.b", "d.w", "d.b"]);
    expect(init.arrays["c.w"].shape).toEqual([3, 3, 16, 32]);
    const w = init.arrays["c.w"].data; // 4608 draws: sample std within ~3% of 1
    const std = Math.sqrt(w.reduce((a, x) => a + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.97);
    expect(std).toBeLessThan(1.03);
    expect(init.arrays["c.b"].data.every((v) => v === 0)).toBe(true);
    expect(init.arrays["d.b"].data.every((v) => v === 0)).toBe(true);
  });

  it("He's constant c = gain/√fan_in: √2/√18 = 1/3 for a 3×3 conv over 2 channels", () => {
    expect(heScale(18)).toBeCloseTo(1 / 3, 12);
    expect(heScale(4, 1)).toBe(0.5);
  });

  it("conv: a 3×3 'same' conv of a 1×1 image reads only the centre tap, scaled by 1/3: (3·1 + 4·2)/3 + 0.5", () => {
    const w = new Array(18).fill(9); // only the centre tap (index 4 of 9) may matter
    w[8] = 3; // [1, 1, 0, 0]: centre, channel 0
    w[9] = 4; // [1, 1, 1, 0]: centre, channel 1
    const p = { "c.w": tf.tensor4d(w, [3, 3, 2, 1]), "c.b": tf.tensor1d([0.5]) };
    const y = read(() => eqConv(tf.tensor4d([1, 2], [1, 1, 1, 2]), p, "c"));
    expect(y[0]).toBeCloseTo(11 / 3 + 0.5, 5);
    // On the tape (tf.conv2d + add instead of the fused kernel) the same value.
    const [, taped] = tf.tidy(() => {
      const r = tf.valueAndGrad((x: tf.Tensor) => tf.sum(eqConv(x as tf.Tensor4D, p, "c")))(tf.tensor4d([1, 2], [1, 1, 1, 2]));
      return [r.grad.dataSync(), r.value.dataSync()[0]] as const;
    });
    expect(taped).toBeCloseTo(11 / 3 + 0.5, 5);
    tf.dispose(Object.values(p));
  });

  it("dense: x·(w·√2/√3) + b with gain √2, x·(w/√3) with gain 1", () => {
    const p = { "d.w": tf.tensor2d([1, 1, 1], [3, 1]), "d.b": tf.tensor1d([0]) };
    const x = () => tf.tensor2d([1, 2, 3], [1, 3]);
    expect(read(() => eqDense(x(), p, "d"))[0]).toBeCloseTo(6 * Math.sqrt(2 / 3), 5);
    expect(read(() => eqDense(x(), p, "d", 1))[0]).toBeCloseTo(6 / Math.sqrt(3), 5);
    tf.dispose(Object.values(p));
  });

  it("the stored weight's gradient is c times the effective weight's: the scale sits outside what Adam normalises", () => {
    const rng = new Rng(5);
    const x = tf.tensor4d(rng.normalArray(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const wHat = tf.tensor4d(rng.normalArray(3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const b = tf.zeros([4]);
    const c = heScale(27);
    const loss = (y: tf.Tensor) => tf.sum(tf.square(y)) as tf.Scalar;
    const [gStored, gEffective] = tf.tidy(() => {
      const g1 = tf.grad((w: tf.Tensor) => loss(eqConv(x, { "c.w": w, "c.b": b }, "c")))(wHat);
      const g2 = tf.grad((w: tf.Tensor) => loss(tf.conv2d(x, w as tf.Tensor4D, 1, "same")))(tf.mul(wHat, c));
      return [Array.from(g1.dataSync()), Array.from(g2.dataSync())];
    });
    gStored.forEach((g, i) => expect(g).toBeCloseTo(c * gEffective[i], 3));
    tf.dispose([x, wHat, b]);
  });
});

describe("pixelwise feature normalization", () => {
  it("(3, 4) at a pixel → (3, 4)/√12.5; (0, 0) stays 0 (ε keeps it finite)", () => {
    const y = read(() => pixelNorm(tf.tensor4d([3, 4, 0, 0], [1, 1, 2, 2])));
    expect(y[0]).toBeCloseTo(3 / Math.sqrt(12.5), 5);
    expect(y[1]).toBeCloseTo(4 / Math.sqrt(12.5), 5);
    expect(y.slice(2)).toEqual([0, 0]);
  });

  it("every pixel's channels have mean square 1 afterwards", () => {
    const x = new Rng(6).normalArray(3 * 4 * 4 * 8, 0, 5);
    const y = read(() => pixelNorm(tf.tensor4d(x, [3, 4, 4, 8])));
    for (let i = 0; i < 3 * 4 * 4; i++) {
      const ms = y.slice(i * 8, i * 8 + 8).reduce((s, v) => s + v * v, 0) / 8;
      expect(ms).toBeCloseTo(1, 4);
    }
  });
});

describe("minibatch standard deviation", () => {
  it("group sizes: 4 as in the paper's code, else the largest divisor of N below 4", () => {
    expect([64, 16, 8, 4, 21, 6, 2, 7, 1].map((n) => mbstdGroupSize(n))).toEqual([4, 4, 4, 4, 3, 3, 2, 1, 1]);
  });

  it("one group of 4: channel values (1, 3, 5, 7) and (0, 0, 2, 2) have std √5 and 1 → (√5 + 1)/2 appended to every sample", () => {
    const x = [1, 0, 3, 0, 5, 2, 7, 2]; // [4, 1, 1, 2]
    const y = read(() => minibatchStddev(tf.tensor4d(x, [4, 1, 1, 2])));
    const s = (Math.sqrt(5) + 1) / 2;
    expect(y).toHaveLength(12);
    for (let i = 0; i < 4; i++) {
      expect(y.slice(3 * i, 3 * i + 2)).toEqual(x.slice(2 * i, 2 * i + 2)); // the input passes through
      expect(y[3 * i + 2]).toBeCloseTo(s, 5);
    }
  });

  it("8 samples: groups {0, 2, 4, 6} and {1, 3, 5, 7} (i ≡ j mod 2), a constant map per sample", () => {
    // [8, 1, 2, 1]: sample i has pixels (i, 0) for even i and (0, 2i) for odd i.
    const x: number[] = [];
    for (let i = 0; i < 8; i++) x.push(...(i % 2 === 0 ? [i, 0] : [0, 2 * i]));
    const y = read(() => minibatchStddev(tf.tensor4d(x, [8, 1, 2, 1])));
    // Even group: pixel 0 over (0, 2, 4, 6) has std √5, pixel 1 std 0 → (√5 + √1e-8)/2.
    // Odd group: pixel 0 std 0, pixel 1 over (2, 6, 10, 14) std 2√5 → (√1e-8 + 2√5)/2.
    const even = (Math.sqrt(5 + 1e-8) + 1e-4) / 2;
    const odd = (1e-4 + Math.sqrt(20 + 1e-8)) / 2;
    for (let i = 0; i < 8; i++) {
      expect(y[4 * i + 1]).toBeCloseTo(i % 2 === 0 ? even : odd, 5);
      expect(y[4 * i + 3]).toBeCloseTo(i % 2 === 0 ? even : odd, 5);
    }
  });

  it("6 samples use groups of 3 (i ≡ j mod 2): values (1, 4, 7) have std √6; 7 samples groups of 1: std √1e-8", () => {
    const x = [1, 0, 4, 0, 7, 0]; // [6, 1, 1, 1]: the even samples 1, 4, 7, the odd ones 0
    const y = read(() => minibatchStddev(tf.tensor4d(x, [6, 1, 1, 1])));
    for (const i of [0, 2, 4]) expect(y[2 * i + 1]).toBeCloseTo(Math.sqrt(6), 5);
    for (const i of [1, 3, 5]) expect(y[2 * i + 1]).toBeCloseTo(1e-4, 8); // the odd group: all zeros
    const single = read(() => minibatchStddev(tf.tensor4d([1, 2, 3, 4, 5, 6, 7], [7, 1, 1, 1])));
    for (let i = 0; i < 7; i++) expect(single[2 * i + 1]).toBeCloseTo(1e-4, 8);
  });
});

describe("fade-in", () => {
  it("(1 − α)·a + α·b: 0.75·2 + 0.25·10 = 4; exactly a at α = 0, exactly b at α = 1", () => {
    const a = () => tf.tensor1d([2, -1.2345678]);
    const b = () => tf.tensor1d([10, 3.3]);
    expect(read(() => fadeIn(a(), b(), 0.25))[0]).toBeCloseTo(4, 6);
    expect(read(() => fadeIn(a(), b(), 0))).toEqual(read(a));
    expect(read(() => fadeIn(a(), b(), 1))).toEqual(read(b));
  });
});

describe("fading real images", () => {
  // A 4×4 image, rows top to bottom; its 2×2 block means are 3.5, 7.5 / 11.5, 15.5.
  const x = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((v, i) => (i % 4 < 2 ? v : v + 2)), [1, 4, 4, 1]);
  //  1  2  5  6
  //  5  6  9 10
  //  9 10 13 14
  // 13 14 17 18

  it("at the last of 2 stages, α = 0.25: 0.75 × the 2×2 block mean (copied over the block) + 0.25 × the pixel", () => {
    const y = read(() => fadeReals(x(), 1, 2, 0.25));
    // Top-left block: mean (1 + 2 + 5 + 6)/4 = 3.5; pixel 1 → 0.75·3.5 + 0.25·1 = 2.875; pixel 6 → 0.75·3.5 + 0.25·6 = 4.125.
    expect(y[0]).toBeCloseTo(2.875, 6);
    expect(y[5]).toBeCloseTo(4.125, 6);
    // Bottom-right block: mean (13 + 14 + 17 + 18)/4 = 15.5; pixel 18 → 0.75·15.5 + 0.25·18 = 16.125.
    expect(y[15]).toBeCloseTo(16.125, 6);
  });

  it("at the middle of 3 stages (one halving left), α = 0.5: D's halving of the result is 0.5·U P x₂ + 0.5·x₂ at 2×2", () => {
    // x₂ = P x = [3.5, 7.5, 11.5, 15.5]; P x₂ = 9.5 everywhere; so 0.5·9.5 + 0.5·x₂.
    const seen = read(() => pool2x(fadeReals(x(), 1, 3, 0.5)));
    [3.5, 7.5, 11.5, 15.5].forEach((v, i) => expect(seen[i]).toBeCloseTo(0.5 * 9.5 + 0.5 * v, 6));
  });

  it("is x itself at the first stage and once a fade is over (α = 1)", () => {
    expect(read(() => fadeReals(x(), 0, 3, 0.3))).toEqual(read(x));
    expect(read(() => fadeReals(x(), 2, 3, 1))).toEqual(read(x));
  });
});

describe("resampling and LeakyReLU, differentiable twice", () => {
  it("up2x copies each pixel to a 2×2 block; pool2x averages it back; rescale does either repeatedly", () => {
    const x = () => tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(read(() => up2x(x()))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(read(() => pool2x(up2x(x())))).toEqual([1, 2, 3, 4]);
    expect(read(() => pool2x(x()))).toEqual([2.5]);
    expect(read(() => rescale(x(), 2)).length).toBe(64);
    expect(read(() => rescale(rescale(x(), 2), -2))).toEqual([1, 2, 3, 4]);
  });

  it("f = Σ up2x(x)² = 4Σx²: ∇f = 8x, and ∇Σ(∇f)² = 128x (a gradient of a gradient through up2x's node)", () => {
    const x = () => tf.tensor4d([1, -2, 3, 0.5], [1, 2, 2, 1]);
    const g1 = (t: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(tf.square(up2x(y as tf.Tensor4D))))(t);
    expect(read(() => g1(x()))).toEqual([8, -16, 24, 4]);
    expect(read(() => tf.grad((y: tf.Tensor) => tf.sum(tf.square(g1(y))))(x()))).toEqual([128, -256, 384, 64]);
  });

  it("f = Σ pool2x(x)² = m² over a block of mean m: ∇f = m/2 each; Σ(∇f)² = m² again, so its gradient is m/2 each too", () => {
    // ∇f_i = 2m·(1/4) = m/2; Σ_i (∇f_i)² = 4·(m/2)² = m², whose gradient is again m/2 each.
    const x = () => tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]); // m = 3
    const g1 = (t: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(tf.square(pool2x(y as tf.Tensor4D))))(t);
    expect(read(() => g1(x()))).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(read(() => tf.grad((y: tf.Tensor) => tf.sum(tf.square(g1(y))))(x()))).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it("LeakyReLU(0.2): ∂/∂w of ‖∇_x Σ w·lrelu(x)‖² = 2w·slope² per entry (slopes 1 and 0.2)", () => {
    const x = tf.tensor1d([2, -3]);
    const g = read(() =>
      tf.grad((w: tf.Tensor) => {
        const gx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(w, lrelu(xs))))(x);
        return tf.sum(tf.square(gx));
      })(tf.tensor1d([5, 5])),
    );
    expect(g[0]).toBeCloseTo(10, 5);
    expect(g[1]).toBeCloseTo(10 * 0.04, 5);
    expect(read(() => lrelu(x))).toEqual([2, -3 * 0.2].map(Math.fround));
    x.dispose();
  });

  it("withZeroGradients: y itself, and zeros for the parameters it names", () => {
    const [ga, gb, value] = tf.tidy(() => {
      const r = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(withZeroGradients(tf.square(a), [b])) as tf.Scalar)([tf.tensor1d([1, 2]), tf.tensor2d([[7, 8]])]);
      return [Array.from(r.grads[0].dataSync()), Array.from(r.grads[1].dataSync()), r.value.dataSync()[0]];
    });
    expect(value).toBe(5);
    expect(ga).toEqual([2, 4]);
    expect(gb).toEqual([0, 0]);
  });
});
