// CycleGAN's losses against values worked out by hand: D's least-squares and cross-entropy losses
// (with the authors' ½), the paper's least-squares generator term and how it relates to E-GAN's
// least-squares mutation, the cycle and identity losses as per-pixel mean absolute errors, and
// averaging over every patch of a PatchGAN map.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATIONS } from "../../strategies/egan.ts";
import { generatorLoss } from "../../src/losses/gan-losses.ts";
import { adversarialLoss, cycleLoss, identityLoss, patchDLoss, patchDLossFake, patchDLossReal, realness } from "../../src/losses/cycle-losses.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

/** A 1×1×n×1 patch map (one image, n patches) from plain numbers. */
const map = (v: number[]) => tf.tensor4d(v, [1, 1, v.length, 1]);
const read = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]);
const softplus = (x: number) => Math.log(1 + Math.exp(x));
const sigma = (x: number) => 1 / (1 + Math.exp(-x));

// D's outputs: real images (1.5, 0.5), translated images (0, 1).
const real = () => map([1.5, 0.5]);
const fake = () => map([0, 1]);

describe("D's losses, by hand", () => {
  it("least squares: ½E[(o_real − 1)²] + ½E[o_fake²] = ½·0.25 + ½·0.5 = 0.375", () => {
    expect(read(() => patchDLossReal("least-squares", real()))).toBeCloseTo(0.125, 6);
    expect(read(() => patchDLossFake("least-squares", fake()))).toBeCloseTo(0.25, 6);
    expect(read(() => patchDLoss("least-squares", real(), fake()))).toBeCloseTo(0.375, 6);
  });

  it("cross-entropy: ½(E softplus(−o_real) + E softplus(o_fake))", () => {
    const expected = 0.5 * ((softplus(-1.5) + softplus(-0.5)) / 2 + (softplus(0) + softplus(1)) / 2); // 0.67047
    expect(read(() => patchDLoss("bce", real(), fake()))).toBeCloseTo(expected, 6);
  });

  it("averages over every patch of every image: two 2×2 maps weigh each of their 8 patches alike", () => {
    const o = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2, 1]);
    // ½·mean(o²) = ½·(0+1+4+9+16+25+36+49)/8 = 8.75
    expect(read(() => patchDLossFake("least-squares", o))).toBeCloseTo(8.75, 5);
    o.dispose();
  });
});

describe("the generators' adversarial term", () => {
  it("least squares against a least-squares D is the paper's E[(o − 1)²] = (1 + 0)/2 on raw outputs", () => {
    expect(read(() => adversarialLoss("least-squares", "least-squares", fake()))).toBeCloseTo(0.5, 6);
  });

  it("against a cross-entropy D it is E-GAN's E[(σ(o) − 1)²], gan-losses' least-squares mutation", () => {
    const expected = ((sigma(0) - 1) ** 2 + (sigma(1) - 1) ** 2) / 2; // 0.16116
    expect(read(() => adversarialLoss("least-squares", "bce", fake()))).toBeCloseTo(expected, 6);
    expect(read(() => generatorLoss("least-squares", fake()))).toBeCloseTo(expected, 6);
  });

  it("the two least-squares forms agree through o ↦ logit(o): E[(o − 1)²] = E[(σ(logit o) − 1)²] for o in (0, 1)", () => {
    const o = [0.1, 0.5, 0.8];
    const logit = o.map((p) => Math.log(p / (1 - p)));
    expect(read(() => adversarialLoss("least-squares", "least-squares", map(o)))).toBeCloseTo(read(() => generatorLoss("least-squares", map(logit))), 6);
  });

  it("every other mutation is gan-losses' generatorLoss on the outputs, whatever D's loss (heuristic by hand)", () => {
    expect(read(() => adversarialLoss("heuristic", "least-squares", fake()))).toBeCloseTo((softplus(0) + softplus(-1)) / 2, 6); // −E log σ(o)
    for (const m of MUTATIONS.filter((x) => x !== "least-squares")) {
      for (const kind of ["least-squares", "bce"] as const) {
        expect(read(() => adversarialLoss(m, kind, fake(), real()))).toBeCloseTo(read(() => generatorLoss(m, fake(), real())), 6);
      }
    }
  });

  it("realness: the raw output for a least-squares D, σ(o) for a cross-entropy D", () => {
    expect(tf.tidy(() => Array.from(realness("least-squares", fake()).dataSync()))).toEqual([0, 1]);
    const s = tf.tidy(() => Array.from(realness("bce", fake()).dataSync()));
    expect(s[0]).toBeCloseTo(0.5, 6);
    expect(s[1]).toBeCloseTo(sigma(1), 6);
  });
});

describe("cycle and identity losses: per-pixel mean absolute errors", () => {
  // a = (0.5, −0.5), F(G(a)) = (0.25, −1): |·| = (0.25, 0.5), mean 0.375
  // b = (1, 1),      G(F(b)) = (0, 1):     |·| = (1, 0),     mean 0.5
  const a = () => map([0.5, -0.5]);
  const b = () => map([1, 1]);

  it("L_cyc = λ(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁) = 10·(0.375 + 0.5) = 8.75", () => {
    expect(read(() => cycleLoss(10, a(), map([0.25, -1]), b(), map([0, 1])))).toBeCloseTo(8.75, 5);
  });

  it("its gradient with respect to F(G(a)) is λ·sign(F(G(a)) − a)/pixels", () => {
    const g = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => cycleLoss(10, a(), x, b(), map([0, 1])))(map([0.25, -1])).dataSync()));
    expect(g[0]).toBeCloseTo(-5, 5);
    expect(g[1]).toBeCloseTo(-5, 5);
  });

  it("the mean runs over every pixel of every image, so λ does not scale with image size", () => {
    const x = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0], [2, 2, 2, 1]);
    const y = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, -1], [2, 2, 2, 1]);
    // A: 2/8 = 0.25, B: 0
    expect(read(() => cycleLoss(1, x, y, x, x))).toBeCloseTo(0.25, 6);
    tf.dispose([x, y]);
  });

  it("L_idt = λ_id(‖G(b) − b‖₁ + ‖F(a) − a‖₁) = 5·(0.25 + 0.5) = 3.75", () => {
    // G(b) = (1, 0.5): mean 0.25;  F(a) = (−0.5, −0.5): mean 0.5
    expect(read(() => identityLoss(5, b(), map([1, 0.5]), a(), map([-0.5, -0.5])))).toBeCloseTo(3.75, 5);
  });
});
