import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATIONS } from "../../strategies/egan.ts";
import { discriminatorLoss, dLoss, dLossFake, dLossReal, generatorLoss, generatorLossGrad } from "../../src/losses/gan-losses.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

// Logits 0 and ln 3 give D = σ(o) = 0.5 and 0.75.
const logits = () => tf.tensor2d([0, Math.log(3)], [2, 1]);
// rsgan's real scores, paired with the fakes: o − r = (−ln 3, ln 3), σ(o − r) = (0.25, 0.75).
const realLogits = () => tf.tensor2d([Math.log(3), 0], [2, 1]);

describe("generator losses on D = (0.5, 0.75), by hand", () => {
  const cases: Array<[string, number]> = [
    ["minimax", (Math.log(0.5) + Math.log(0.25)) / 2], // E log(1 − D) = −1.0397
    ["heuristic", -(Math.log(0.5) + Math.log(0.75)) / 2], // −E log D = 0.4904
    ["least-squares", (0.25 + 0.0625) / 2], // E (D − 1)² = 0.15625
    ["hinge", -(0 + Math.log(3)) / 2], // −E o = −0.5493
    ["rsgan", -(Math.log(0.25) + Math.log(0.75)) / 2], // −E log σ(o − r) = 0.8370
  ];
  for (const [mutation, expected] of cases) {
    it(`${mutation} = ${expected.toFixed(4)}`, () => {
      const v = tf.tidy(() => generatorLoss(mutation as (typeof MUTATIONS)[number], logits(), realLogits()).dataSync()[0]);
      expect(v).toBeCloseTo(expected, 6);
    });
  }

  it("per-logit gradients by hand: minimax −D/n, heuristic −(1 − D)/n, least-squares 2(D − 1)D(1 − D)/n, hinge −1/n, rsgan −σ(r − o)/n", () => {
    const expected: Record<string, number[]> = {
      minimax: [-0.25, -0.375],
      heuristic: [-0.25, -0.125],
      "least-squares": [2 * -0.5 * 0.25 / 2, 2 * -0.25 * 0.1875 / 2],
      hinge: [-0.5, -0.5],
      rsgan: [-0.75 / 2, -0.25 / 2],
    };
    for (const m of MUTATIONS) {
      const g = tf.tidy(() => {
        const o = logits();
        return Array.from(generatorLossGrad(m, o, tf.sigmoid(o), realLogits()).dataSync());
      });
      g.forEach((x, i) => expect(x).toBeCloseTo(expected[m][i], 6));
    }
  });

  it("losses stay finite for saturated logits (softplus form)", () => {
    for (const m of MUTATIONS) {
      const v = tf.tidy(() => generatorLoss(m, tf.tensor2d([-200, 200], [2, 1]), tf.tensor2d([200, -200], [2, 1])).dataSync()[0]);
      expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe("rsgan pairs fakes with reals", () => {
  it("pairs cyclically when there are fewer reals: fakes (0, ln 3, 0) against the one real score ln 3", () => {
    const v = tf.tidy(() => generatorLoss("rsgan", tf.tensor2d([0, Math.log(3), 0], [3, 1]), tf.tensor2d([Math.log(3)], [1, 1])).dataSync()[0]);
    // σ(0 − ln 3) = 0.25 twice, σ(0) = 0.5 once
    expect(v).toBeCloseTo(-(2 * Math.log(0.25) + Math.log(0.5)) / 3, 6);
  });

  it("refuses to score without D's real scores", () => {
    expect(() => generatorLoss("rsgan", logits())).toThrow(/real samples/);
  });
});

describe("discriminator loss", () => {
  it("is −log D(x) − log(1 − D(G(z))) by hand: real D 0.75, fake D 0.5 → 0.9808", () => {
    const v = tf.tidy(() => discriminatorLoss(tf.tensor2d([Math.log(3)], [1, 1]), tf.tensor2d([0], [1, 1])).dataSync()[0]);
    expect(v).toBeCloseTo(-Math.log(0.75) - Math.log(0.5), 6);
  });
});

describe("D's loss in its real and fake terms (E-GAN's fitness computes the real gradient once)", () => {
  // real logits ln 3 and −1 (D 0.75, 0.269), fake logits 0 and 2 (D 0.5, 0.881)
  const real = [Math.log(3), -1];
  const fake = [0, 2];
  const sp = (x: number) => Math.log1p(Math.exp(x));
  it.each([
    ["bce", (sp(-real[0]) + sp(-real[1])) / 2, (sp(fake[0]) + sp(fake[1])) / 2],
    ["hinge", (Math.max(0, 1 - real[0]) + Math.max(0, 1 - real[1])) / 2, (Math.max(0, 1 + fake[0]) + Math.max(0, 1 + fake[1])) / 2],
  ] as const)("%s: the terms are the hand-computed means and add up to dLoss", (kind, wantReal, wantFake) => {
    const [r, f, both] = tf.tidy(() => {
      const rl = tf.tensor1d(real);
      const fl = tf.tensor1d(fake);
      return [dLossReal(kind, rl), dLossFake(kind, fl), dLoss(kind, rl, fl)].map((t) => t.dataSync()[0]);
    });
    expect(r).toBeCloseTo(wantReal, 6);
    expect(f).toBeCloseTo(wantFake, 6);
    expect(both).toBeCloseTo(wantReal + wantFake, 6);
  });
});
