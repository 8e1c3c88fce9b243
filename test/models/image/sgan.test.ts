// SGAN's model at MNIST size: DCGAN's G, an MLP D with N class logits and a named feature layer,
// Gaussian noise only when an Rng is given, and `discriminate` = logsumexp of the logits (the
// score E-GAN's trainer reads). The accuracy read-out is checked against a count done by hand.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { ImageData } from "../../../src/data/image-data.ts";
import { dcgan } from "../../../src/models/image/dcgan.ts";
import { ParamInit, trainableNames } from "../../../src/models/image/params.ts";
import { classifierAccuracy } from "../../../src/models/image/mlp-classifier.ts";
import { classifyStacked, sgan, SGAN_D_DEFAULTS, type SganSpec } from "../../../src/models/image/sgan.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const shape = { height: 28, width: 28, channels: 1 };
const spec: SganSpec = { zDim: 16, width: 8, shape, classes: 10, ...SGAN_D_DEFAULTS };

function params(s: SganSpec) {
  const m = sgan(s);
  const g = new ParamInit(new Rng(1));
  m.initG(g);
  const d = new ParamInit(new Rng(2));
  m.initD(d);
  return { m, g, d };
}

const shapeOf = (i: ParamInit) => Object.fromEntries(Object.entries(i.arrays).map(([k, v]) => [k, v.shape]));

describe("SGAN at 28×28", () => {
  it("declares Salimans et al.'s D: 784-1000-500-250-250-250-10, the last hidden layer the feature layer", () => {
    const { m, d } = params(spec);
    expect(shapeOf(d)).toEqual({
      "d.fc0.w": [784, 1000],
      "d.fc0.b": [1000],
      "d.fc1.w": [1000, 500],
      "d.fc1.b": [500],
      "d.fc2.w": [500, 250],
      "d.fc2.b": [250],
      "d.fc3.w": [250, 250],
      "d.fc3.b": [250],
      "d.fc4.w": [250, 250],
      "d.fc4.b": [250],
      "d.out.w": [250, 10],
      "d.out.b": [10],
    });
    expect(m.featureLayer).toBe("d.fc4");
    expect(m.classes).toBe(10);
    expect(m.numClasses).toBe(0); // G is unconditional
  });

  it("declares DCGAN's G, the same names and shapes", () => {
    const { g } = params(spec);
    const ref = new ParamInit(new Rng(1));
    dcgan({ zDim: 16, width: 8, shape }).initG(ref);
    expect(shapeOf(g)).toEqual(shapeOf(ref));
  });

  it("He-normal D weights: std √(2/fan_in) on hidden layers, √(1/fan_in) on the logits", () => {
    const { d } = params(spec);
    const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std(d.arrays["d.fc0.w"].data)).toBeCloseTo(Math.sqrt(2 / 784), 3);
    expect(std(d.arrays["d.out.w"].data)).toBeCloseTo(Math.sqrt(1 / 250), 2);
  });

  it("forward shapes: images [B, 28, 28, 1] in [−1, 1], logits [B, 10], features [B, 250], one score per image", () => {
    const { m, g, d } = params(spec);
    const gp = g.tensors();
    const dp = d.tensors();
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const x = m.generate(gp, tf.randomNormal([3, 16], 0, 1, "float32", 1), undefined);
      const { logits, features } = m.classify(dp, x);
      const s = m.discriminate(dp, x, undefined);
      return { x: x.shape, xs: Array.from(x.dataSync()), logits: logits.arraySync() as number[][], features: features.shape, s: Array.from(s.dataSync()), sShape: s.shape };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.x).toEqual([3, 28, 28, 1]);
    expect(out.xs.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(out.logits.length).toBe(3);
    expect(out.logits[0].length).toBe(10);
    expect(out.features).toEqual([3, 250]);
    expect(out.sShape).toEqual([3]);
    // discriminate is log Σ exp of the logits, computed here in float64.
    out.logits.forEach((row, i) => expect(out.s[i]).toBeCloseTo(Math.log(row.reduce((a, v) => a + Math.exp(v), 0)), 4));
    tf.dispose([...Object.values(gp), ...Object.values(dp)]);
  });

  it("noise only with an Rng: none is deterministic, a seeded Rng repeats, another seed differs", () => {
    const { m, d } = params(spec);
    const dp = d.tensors();
    const x = tf.tidy(() => tf.tanh(tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 3))) as tf.Tensor4D;
    const run = (noise?: Rng) => tf.tidy(() => Array.from(m.classify(dp, x, noise).logits.dataSync()));
    expect(run()).toEqual(run());
    expect(run(new Rng(4))).toEqual(run(new Rng(4)));
    expect(run(new Rng(4))).not.toEqual(run(new Rng(5)));
    expect(run(new Rng(4))).not.toEqual(run());
    // With σ = 0 everywhere an Rng changes nothing.
    const quiet = sgan({ ...spec, inputNoise: 0, hiddenNoise: 0 });
    expect(tf.tidy(() => Array.from(quiet.classify(dp, x, new Rng(4)).logits.dataSync()))).toEqual(run());
    tf.dispose([x, ...Object.values(dp)]);
  });

  it("every declared D weight gets a gradient from the class logits", () => {
    const { m, d } = params({ ...spec, dHidden: [32, 16] });
    const dp = d.tensors();
    const names = trainableNames(dp);
    const norms = tf.tidy(() => {
      const x = tf.tanh(tf.randomNormal([4, 28, 28, 1], 0, 1, "float32", 3)) as tf.Tensor4D;
      const grads = tf.grads((...ws: tf.Tensor[]) => {
        const q = Object.fromEntries(names.map((n, i) => [n, ws[i]]));
        return tf.sum(tf.square(m.classify(q, x, new Rng(1)).logits)) as tf.Scalar;
      })(names.map((n) => dp[n]));
      return grads.map((g) => tf.norm(g).dataSync()[0]);
    });
    expect(names).toEqual(["d.fc0.w", "d.fc0.b", "d.fc1.w", "d.fc1.b", "d.out.w", "d.out.b"]);
    norms.forEach((n) => expect(n).toBeGreaterThan(0));
    tf.dispose(Object.values(dp));
  });

  it("stacked batches (weight-normed D, noise off) give each batch the logits of its own pass", () => {
    const { m, d } = params({ ...spec, weightNorm: true });
    const dp = d.tensors();
    const xs = [5, 3, 4].map((n, i) => tf.tidy(() => tf.tanh(tf.randomNormal([n, 28, 28, 1], 0, 1, "float32", 10 + i))) as tf.Tensor4D);
    const stacked = tf.tidy(() => classifyStacked(m, dp, xs).map((l) => l.arraySync() as number[][]));
    const separate = xs.map((x) => tf.tidy(() => m.classify(dp, x).logits.arraySync() as number[][]));
    expect(stacked.map((l) => l.length)).toEqual([5, 3, 4]);
    stacked.forEach((logits, b) => logits.flat().forEach((v, i) => expect(v).toBeCloseTo(separate[b].flat()[i], 4)));
    tf.dispose([...xs, ...Object.values(dp)]);
  });

  it("refuses fewer than 2 classes or no hidden layer", () => {
    expect(() => sgan({ ...spec, classes: 1 })).toThrow(/at least 2 classes/);
    expect(() => sgan({ ...spec, dHidden: [] })).toThrow(/at least one hidden layer/);
  });
});

describe("classifierAccuracy", () => {
  it("counts argmax hits over batches that do not divide the set (20 images, batches of 7)", async () => {
    const { m, d } = params({ ...spec, dHidden: [16] });
    const dp = d.tensors();
    const rng = new Rng(9);
    const images = rng.uniformArray(20 * 784, -1, 1);
    // Label each image with its predicted class where i % 3 != 0, and a wrong one elsewhere.
    const logits = tf.tidy(() => m.classify(dp, tf.tensor4d(images, [20, 28, 28, 1])).logits.arraySync() as number[][]);
    const argmax = logits.map((row) => row.indexOf(Math.max(...row)));
    const labels = Uint8Array.from(argmax.map((c, i) => (i % 3 === 0 ? (c + 1) % 10 : c)));
    const data: ImageData = { name: "toy/val", count: 20, height: 28, width: 28, channels: 1, numClasses: 10, images, labels };
    const before = tf.memory().numTensors;
    expect(await classifierAccuracy((x) => m.classify(dp, x).logits, data, 7)).toBeCloseTo(13 / 20, 10); // 7 of 20 have i % 3 == 0
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(dp));
  });
});

describe("SGAN's D with weight normalization", () => {
  const wn: SganSpec = { ...spec, dHidden: [6, 4], weightNorm: true };

  it("declares v, g and b per layer, with g = √2 before a ReLU and 1 on the logits (He's scale as the norm)", () => {
    const { d } = params(wn);
    expect(shapeOf(d)).toEqual({ "d.fc0.v": [784, 6], "d.fc0.g": [6], "d.fc0.b": [6], "d.fc1.v": [6, 4], "d.fc1.g": [4], "d.fc1.b": [4], "d.out.v": [4, 10], "d.out.g": [10], "d.out.b": [10] });
    expect(Array.from(d.arrays["d.fc1.g"].data)).toEqual(Array(4).fill(Math.fround(Math.SQRT2)));
    expect(Array.from(d.arrays["d.out.g"].data)).toEqual(Array(10).fill(1));
  });

  it("computes w = g·v/‖v‖ per output unit: the logits match a float64 forward pass written out", () => {
    const { m, d } = params(wn);
    const rng = new Rng(5);
    const x = rng.normalArray(2 * 784);
    // Non-trivial g and b, so that both enter the check.
    const a = d.arrays;
    a["d.fc0.g"].data.set(rng.normalArray(6));
    a["d.fc1.b"].data.set(rng.normalArray(4));
    const layer = (h: number[][], name: string, relu: boolean): number[][] => {
      const { shape: [nin, nout], data: v } = a[`${name}.v`];
      const g = a[`${name}.g`].data;
      const b = a[`${name}.b`].data;
      const norms = Array.from({ length: nout }, (_, j) => Math.sqrt(Array.from({ length: nin }, (_, i) => v[i * nout + j] ** 2).reduce((s, t) => s + t, 0)));
      return h.map((row) => Array.from({ length: nout }, (_, j) => {
        const y = row.reduce((s, xi, i) => s + xi * v[i * nout + j], 0) * (g[j] / norms[j]) + b[j];
        return relu ? Math.max(0, y) : y;
      }));
    };
    const rows = [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))];
    const expected = layer(layer(layer(rows, "d.fc0", true), "d.fc1", true), "d.out", false);
    const tensors = d.tensors();
    const logits = tf.tidy(() => m.classify(tensors, tf.tensor4d(x, [2, 28, 28, 1])).logits.arraySync());
    tf.dispose(Object.values(tensors));
    logits.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 4));
  });
});
