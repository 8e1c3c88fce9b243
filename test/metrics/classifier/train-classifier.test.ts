import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../../src/data/mnist.ts";
import { adamInit, disposeAdam } from "../../../src/trainers/adam.ts";
import { Rng } from "../../../src/util/rng.ts";
import { classifierForward, crossEntropy, disposeClassifier, flatSize, initClassifier, MNIST_CLASSIFIER_SPEC, PARAM_NAMES, parameterCount } from "../../../src/metrics/classifier/classifier-model.ts";
import { accuracy, copyShifted, DEFAULT_RECIPE, trainClassifier, trainStep } from "../../../src/metrics/classifier/train-classifier.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

describe("classifier model", () => {
  it("maps NHWC 28×28×1 to 10 logits and 128 non-negative features; weights stay under 1 MB", () => {
    expect(flatSize(MNIST_CLASSIFIER_SPEC)).toBe(4 * 4 * 32);
    expect(4 * parameterCount(MNIST_CLASSIFIER_SPEC)).toBeLessThan(1_000_000);
    const c = initClassifier(MNIST_CLASSIFIER_SPEC, new Rng(3));
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(new Rng(4).uniformArray(3 * 784, -1, 1), [3, 28, 28, 1]);
    const { logits, features } = classifierForward(c.params, x);
    expect(logits.shape).toEqual([3, 10]);
    expect(features.shape).toEqual([3, 128]);
    expect(Math.min(...features.dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, logits, features]);
    expect(tf.memory().numTensors).toBe(before);
    disposeClassifier(c);
  });
});

describe("copyShifted (shift augmentation)", () => {
  it("moves pixels by (dy, dx) and fills the uncovered border with −1 (black)", () => {
    const img = Float32Array.from({ length: 9 }, (_, i) => i / 10); // 3×3: 0 .1 .2 / .3 .4 .5 / .6 .7 .8
    const out = new Float32Array(18).fill(7);
    copyShifted(img, 0, out, 1, 3, 3, 1, -1); // down 1, left 1, into slot 1
    expect(Array.from(out.subarray(0, 9))).toEqual(Array(9).fill(7)); // slot 0 untouched
    expect(Array.from(out.subarray(9)).map((v) => Math.round(v * 10) / 10)).toEqual([-1, -1, -1, 0.1, 0.2, -1, 0.4, 0.5, -1]);
    copyShifted(img, 0, out, 0, 3, 3, 0, 0);
    expect(Array.from(out.subarray(0, 9))).toEqual(Array.from(img));
  });
});

describe("trainStep", () => {
  it("one Adam step on a tiny real batch lowers the cross-entropy on that batch, with the tensor count flat", async () => {
    const data = loadMnist("train", { seed: 5, limit: 16 });
    const c = initClassifier(MNIST_CLASSIFIER_SPEC, new Rng(6));
    const x = tf.tensor4d(data.images, [16, 28, 28, 1]);
    const y = tf.tensor1d(Int32Array.from(data.labels), "int32");
    const lossOf = (params: readonly tf.Tensor[]) =>
      tf.tidy(() => crossEntropy(classifierForward(Object.fromEntries(PARAM_NAMES.map((n, i) => [n, params[i]])) as never, x).logits, y).dataSync()[0]);
    const state0 = adamInit(PARAM_NAMES.map((n) => c.params[n]));
    const before = tf.memory().numTensors;
    const { state: state1, loss } = await trainStep(state0, x, y, DEFAULT_RECIPE, 1e-3);
    expect(loss).toBeCloseTo(lossOf(state0.params), 5); // the loss reported is the one before the step
    const after = lossOf(state1.params);
    expect(after).toBeLessThan(loss);
    expect(tf.memory().numTensors).toBe(before + 3 * PARAM_NAMES.length); // only the new state
    disposeAdam(state0);
    disposeAdam(state1);
    tf.dispose([x, y]);
  });
});

describe("trainClassifier", () => {
  it("is seeded: two short runs with the same recipe give identical weights and logs; the tensor count ends flat", async () => {
    const train = loadMnist("train", { seed: 7, limit: 512 });
    const test = loadMnist("test", { seed: 7, limit: 200 });
    const recipe = { ...DEFAULT_RECIPE, epochs: 2, batchSize: 64 };
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const a = await trainClassifier(MNIST_CLASSIFIER_SPEC, recipe, train, test, (e) => seen.push(e.epoch));
    expect(seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before + PARAM_NAMES.length);
    const b = await trainClassifier(MNIST_CLASSIFIER_SPEC, recipe, train, test);
    for (const n of PARAM_NAMES) expect(b.classifier.params[n].dataSync()).toEqual(a.classifier.params[n].dataSync());
    expect(b.epochs.map((e) => e.loss)).toEqual(a.epochs.map((e) => e.loss));
    // 16 steps on 512 images already beat chance by far.
    expect(a.epochs[1].loss).toBeLessThan(a.epochs[0].loss);
    expect(a.testAccuracy).toBeGreaterThan(0.5);
    expect(await accuracy(a.classifier, test)).toBe(a.testAccuracy);
    disposeClassifier(a.classifier);
    disposeClassifier(b.classifier);
    expect(tf.memory().numTensors).toBe(before);
  });
});
