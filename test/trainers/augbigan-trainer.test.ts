// The augmented BiGAN member's trainer on MNIST with 100 labels: D's classifier (on pairs
// (x, E(x))) learns from chance to well clear of it with feature matching and the third pair,
// reconstructions G(E(x)) move towards their inputs, E-GAN can mix feature matching with a score
// loss (the invariance penalty on), a rebuilt trainer continues exactly, and the tensor count
// stays flat.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { semiTaskData } from "../../src/data/semi-task.ts";
import { AugbiganTrainer } from "../../src/trainers/augbigan-trainer.ts";
import { makeImageTrainer, testData, trainingData } from "../../src/trainers/image-trainer.ts";
import type { TrainerRecord } from "../../src/trainers/trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";

beforeAll(useWasm);

function config(over: { model?: object; trainer?: object } = {}) {
  const c = decodeRunConfig({
    task: { dataset: "mnist", limit: 3000, labelled: 100, validation: 500, labelSeed: 4 },
    model: { family: "augbigan", zDim: 16, width: 8, ...over.model },
    trainer: { batchSize: 32, evalBatchSize: 32, ...over.trainer },
  });
  if (c.model.family !== "augbigan") throw new Error("expected augbigan");
  return { task: c.task, model: c.model, trainer: c.trainer, seed: 2 };
}

function augbiganTrainer(c: ReturnType<typeof config>, state?: Parameters<typeof makeImageTrainer>[1]): AugbiganTrainer {
  const t = makeImageTrainer(c, state);
  if (!(t instanceof AugbiganTrainer)) throw new Error("expected an AugbiganTrainer");
  return t;
}

const train = (t: AugbiganTrainer, n: number): Promise<TrainerRecord[]> => trainSteps(t, n);

describe("the augmented BiGAN trainer (MNIST, 100 labels)", () => {
  it("feature matching with the third pair: validation accuracy rises from chance to over 50% and the reconstruction error falls by a third in 200 iterations; tensors stay flat", async () => {
    const c = config();
    const t = augbiganTrainer(c);
    const validation = semiTaskData(trainingData(c.task), c.task).validation;
    const test = testData("mnist");
    const before = { accuracy: await t.accuracy(validation), error: await t.reconstructionError(test, 500) };
    await train(t, 5);
    const tensors = tf.memory().numTensors;
    const records = await train(t, 195);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = { accuracy: await t.accuracy(validation), error: await t.reconstructionError(test, 500) };
    console.log(`augbigan trainer: validation accuracy ${(100 * before.accuracy).toFixed(1)}% → ${(100 * after.accuracy).toFixed(1)}%, reconstruction error ${before.error.toFixed(3)} → ${after.error.toFixed(3)} in 200 iterations`);
    expect(before.accuracy).toBeLessThan(0.25);
    expect(after.accuracy).toBeGreaterThan(0.5);
    expect(after.error).toBeLessThan((2 / 3) * before.error);
    expect(records.every((r) => r.children.length === 1 && r.children[0].mutation === "feature-matching" && Number.isFinite(r.dLoss))).toBe(true);
    t.dispose();
  });

  it("E-GAN over feature matching and the heuristic loss, invariance penalty on: both children are scored and one survives; a rebuilt trainer continues exactly", async () => {
    const c = config({ model: { dHidden: [64, 32], eHidden: [32], invariance: 0.1 }, trainer: { mutations: ["feature-matching", "heuristic"], batchSize: 16, evalBatchSize: 16 } });
    const a = augbiganTrainer(c);
    await train(a, 3);
    const b = augbiganTrainer(c, await a.exportState());
    const ra = await train(a, 4);
    const rb = await train(b, 4);
    expect(rb).toEqual(ra);
    for (const r of ra) {
      expect(r.children.map((k) => k.mutation)).toEqual(["feature-matching", "heuristic"]);
      expect(r.children.every((k) => Number.isFinite(k.F) && Number.isFinite(k.Fd))).toBe(true);
      expect(r.survivors).toHaveLength(1);
      expect(Number.isFinite(r.dLoss)).toBe(true);
    }
    const validation = semiTaskData(trainingData(c.task), c.task).validation;
    expect(await b.accuracy(validation)).toBe(await a.accuracy(validation));
    expect((await b.sample(4, new Rng(1))).images).toEqual((await a.sample(4, new Rng(1))).images);
    const test = testData("mnist");
    expect(await b.reconstruct(test.images, 3)).toEqual(await a.reconstruct(test.images, 3));
    a.dispose();
    b.dispose();
  });

  /** A small trainer's state after two iterations, `model` over the defaults (the same draws for every `model`). */
  const stateAfterTwoSteps = async (model: object) => {
    const t = augbiganTrainer(config({ model: { dHidden: [64, 32], eHidden: [32], ...model }, trainer: { batchSize: 16, evalBatchSize: 16 } }));
    await train(t, 2);
    const s = await t.exportState();
    t.dispose();
    return s;
  };

  it("the third pair and the invariance penalty change D's step: the same draws give other weights with either switched", async () => {
    const d = async (model: object) => (await stateAfterTwoSteps(model)).d.p["d.out.b"].data;
    const base = await d({ thirdPair: false, invariance: 0 });
    expect(await d({ thirdPair: false, invariance: 0 })).toEqual(base);
    expect(await d({ thirdPair: true, invariance: 0 })).not.toEqual(base);
    expect(await d({ thirdPair: false, invariance: 1 })).not.toEqual(base);
  });

  it("the third pair's term for G and E: matching D's features pair by pair moves G elsewhere than the adversarial term, from the same draws", async () => {
    const g = async (model: object) => Object.values((await stateAfterTwoSteps(model)).g.p).map((p) => Array.from(p.data as Float32Array));
    const adversarial = await g({ thirdPairLoss: "adversarial" });
    expect(await g({ thirdPairLoss: "adversarial" })).toEqual(adversarial);
    expect(await g({ thirdPairLoss: "features" })).not.toEqual(adversarial);
    expect(await g({ thirdPair: false, thirdPairLoss: "features" })).toEqual(await g({ thirdPair: false }));
  });
});
