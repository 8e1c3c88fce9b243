// Augmented BiGAN's losses against values computed by hand (in float64 here, from the formulas in
// src/losses/augbigan-losses.ts), and the invariance penalty against its exact value for a D
// linear in x.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { augbiganDLoss, encoderLoss, invariancePenalty, pairedFeatureLoss, reconstructionPairLoss, unitRows } from "../../src/losses/augbigan-losses.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const softplus = (x: number) => Math.log1p(Math.exp(x));
const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const value = (t: tf.Scalar) => t.dataSync()[0];

describe("augmented BiGAN's losses", () => {
  const labelled = [[2, 0, -1], [0.5, 1.5, 0]];
  const labels = [0, 2];
  const real = [[1, -1, 0.5], [0, 0, 0]];
  const fake = [[-2, -1, 0], [0.3, -0.7, 1.1]];
  const recon = [[0.2, 0.1, -0.4], [-1, -1, -1]];
  const sup = mean(labelled.map((row, i) => lse(row) - row[labels[i]]));
  const realTerm = mean(real.map((r) => softplus(-lse(r))));
  const t2 = (x: number[][]) => tf.tensor2d(x);

  it("D: L_sup + w·(E_real softplus(−s) + E over fake and reconstruction pairs pooled softplus(s)), s = logsumexp l", () => {
    const w = 0.5;
    const pooled = mean([...fake, ...recon].map((r) => softplus(lse(r))));
    const withThird = augbiganDLoss({ labelledLogits: t2(labelled), labels: tf.tensor1d(labels, "int32"), realLogits: t2(real), fakeLogits: t2(fake), reconLogits: t2(recon) }, w);
    expect(value(withThird.loss)).toBeCloseTo(sup + w * (realTerm + pooled), 5);
    expect(value(withThird.supervised)).toBeCloseTo(sup, 5);
    // Without the third pair the fake term is the fake pairs' alone.
    const without = augbiganDLoss({ labelledLogits: t2(labelled), labels: tf.tensor1d(labels, "int32"), realLogits: t2(real), fakeLogits: t2(fake) }, w);
    expect(value(without.loss)).toBeCloseTo(sup + w * (realTerm + mean(fake.map((r) => softplus(lse(r))))), 5);
  });

  it("E's term E softplus(s(x, E(x))) and the third pair's E softplus(−s(G(E(x)), E(x)))", () => {
    expect(value(encoderLoss(t2(real)))).toBeCloseTo(mean(real.map((r) => softplus(lse(r)))), 5);
    expect(value(reconstructionPairLoss(t2(recon)))).toBeCloseTo(mean(recon.map((r) => softplus(-lse(r)))), 5);
  });

  it("the third pair's feature term matches pair by pair: mean of ‖f − f'‖² per row, not the distance of the means", () => {
    // rows: (1, 2) against (0, 2): 1; (0, −1) against (3, 1): 9 + 4 = 13; mean 7. The means' distance
    // (feature matching's) would be ‖(0.5, 0.5) − (1.5, 1.5)‖² = 2.
    const real = tf.tensor2d([[1, 2], [0, -1]]);
    const recon = tf.tensor2d([[0, 2], [3, 1]]);
    expect(value(pairedFeatureLoss(real, recon))).toBeCloseTo(7, 6);
    expect(value(pairedFeatureLoss(real, real))).toBe(0);
  });

  it("unitRows scales each row to norm 1 and leaves a zero row zero", () => {
    const u = unitRows(tf.tensor4d([3, 4, 0, 0, 0, 0, 0, 0], [2, 2, 2, 1])).arraySync() as number[][][][];
    expect(u[0].flat(2)).toEqual([0.6, 0.8, 0, 0].map((v) => expect.closeTo(v, 6)));
    expect(u[1].flat(2)).toEqual([0, 0, 0, 0]);
  });

  it("invariance penalty: for logits W·vec(x) + b it is E ‖W·t̂‖², whatever the step", () => {
    // 2 images of 2×2×1, 3 logits; W [4, 3].
    const W = [[1, 0, 2], [-1, 3, 0], [0.5, 0.5, 0.5], [2, -2, 1]];
    const x = tf.tensor4d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8], [2, 2, 2, 1]);
    const tangents = unitRows(tf.tensor4d([1, 2, 0, -1, 0, 0, 3, 4], [2, 2, 2, 1]));
    const l = (v: tf.Tensor4D) => tf.add(tf.matMul(tf.reshape(v, [2, 4]), tf.tensor2d(W)), tf.tensor1d([0.3, -0.1, 0.2])) as tf.Tensor2D;
    const t = tangents.arraySync() as number[][][][];
    const expected = mean(
      t.map((img) => {
        const v = img.flat(2);
        return [0, 1, 2].reduce((s, k) => s + v.reduce((a, vi, i) => a + vi * W[i][k], 0) ** 2, 0);
      }),
    );
    for (const eps of [0.01, 0.1]) expect(value(invariancePenalty(l, x, tangents, eps))).toBeCloseTo(expected, 2);
  });
});
