// Short training runs of each image family on a small MNIST subset: D's loss moves, samples
// from a fixed z change and move towards the data's mean intensity (MNIST is mostly black
// background, which an untrained G does not draw), selection takes the fittest child, a resumed
// trainer continues exactly, and the tensor count stays flat.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig, type ImageModelConfig } from "../../src/config/run-config.ts";
import { loadImageData } from "../../src/data/image-dataset.ts";
import type { TrainerRecord } from "../../src/trainers/egan-trainer.ts";
import { imageModel, makeImageTrainer, type ImageTrainer } from "../../src/trainers/image-trainer.ts";
import { ImageEganTrainer } from "../../src/trainers/image-egan-trainer.ts";
import { BigbiganTrainer } from "../../src/trainers/bigbigan-trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";
import { countedModel } from "../helpers/counted-model.ts";

beforeAll(useWasm);

const LIMIT = 512;

function config(family: ImageModelConfig["family"], extra: Record<string, unknown> = {}) {
  const c = decodeRunConfig({
    model: { family, width: 8, zDim: 12, ...(family === "bigbigan" ? { hidden: 32 } : {}) },
    task: { dataset: "mnist", limit: LIMIT },
    trainer: {
      mutations: family === "bigbigan" ? ["hinge", "heuristic"] : ["minimax", "heuristic", "least-squares", "hinge"],
      batchSize: 16,
      evalBatchSize: 16,
      nD: 1,
      g: { lr: 1e-3 },
      d: { lr: 1e-3 },
      ...(family === "dcgan" ? {} : { ema: { decay: 0.9, start: 2 } }),
      ...extra,
    },
  });
  if (c.model.family === "mlp") throw new Error("expected an image family");
  return { task: c.task, model: c.model, trainer: c.trainer, seed: 3 };
}

const meanOf = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

const train = (t: ImageTrainer, n: number): Promise<TrainerRecord[]> => trainSteps(t, n);

const dataMean = () => meanOf(loadImageData("mnist", "train", { limit: LIMIT }).images);

describe.each([
  ["dcgan", 30],
  ["biggan", 12],
  ["bigbigan", 12],
] as const)("%s on %i iterations of a 512-image MNIST subset", (family, iterations) => {
  it("trains: D's loss moves, samples change towards the data's mean intensity, the fittest child survives, tensors stay flat", async () => {
    const t = makeImageTrainer(config(family));
    const fixed = async () => (await t.sample(16, new Rng(9), { ema: false })).images;
    const before = await fixed();
    const records = await train(t, 2);
    const tensors = tf.memory().numTensors;
    records.push(...(await train(t, iterations - 2)));
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await fixed();

    const losses = records.map((r) => r.dLoss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.max(...losses) - Math.min(...losses)).toBeGreaterThan(1e-3);
    const change = before.reduce((s, v, i) => s + Math.abs(v - after[i]), 0) / before.length;
    expect(change).toBeGreaterThan(0.05);
    const target = dataMean();
    expect(Math.abs(meanOf(after) - target)).toBeLessThan(Math.abs(meanOf(before) - target));
    for (const r of records) {
      const best = Math.max(...r.children.map((c) => c.F));
      expect(r.children[r.survivors[0]].F).toBe(best);
    }
    if (t instanceof BigbiganTrainer) {
      const x = loadImageData("mnist", "test", { limit: 4 }).images;
      const rec = await t.reconstruct(x, 4);
      expect(rec.length).toBe(x.length);
      expect(rec.every((v) => v >= -1 && v <= 1)).toBe(true);
    }
    t.dispose();
  });
});

describe("image trainer state", () => {
  it("a BigGAN trainer rebuilt from its exported state continues with exactly the records and samples of the original", async () => {
    const c = config("biggan", { mu: 2 });
    const a = makeImageTrainer(c);
    await train(a, 2);
    const b = makeImageTrainer(c, (await a.exportState()) as never);
    const ra = await train(a, 2);
    const rb = await train(b, 2);
    expect(rb).toEqual(ra);
    expect((await b.sample(4, new Rng(1))).images).toEqual((await a.sample(4, new Rng(1))).images);
    a.dispose();
    b.dispose();
  });

  it("sampling honours a fixed class (with truncation) and rejects a class the model does not have", async () => {
    const t = makeImageTrainer(config("biggan"));
    const s = await t.sample(8, new Rng(2), { truncation: 0.5, classLabel: 3 });
    expect(s.labels).toEqual(Int32Array.from([3, 3, 3, 3, 3, 3, 3, 3]));
    await expect(t.sample(2, new Rng(2), { classLabel: 10 })).rejects.toThrow(/class must be an integer in 0\.\.9/);
    t.dispose();
  });
});

// A plain run (one mutation, μ = 1) skips the fitness passes: its Fq comes from D's training step.
describe.each([
  ["dcgan", "heuristic", 30],
  ["biggan", "hinge", 12],
  ["bigbigan", "hinge", 12],
] as const)("plain %s (%s only)", (family, mutation, iterations) => {
  it("trains with Fq from D's step: Fq in (0, 1), Fd not computed, F = Fq; loss moves, samples move towards the data, tensors flat", async () => {
    const t = makeImageTrainer(config(family, { mutations: [mutation], mu: 1 }));
    const fixed = async () => (await t.sample(16, new Rng(9), { ema: false })).images;
    const before = await fixed();
    const records = await train(t, 2);
    const tensors = tf.memory().numTensors;
    records.push(...(await train(t, iterations - 2)));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(records.map((r) => r.it)).toEqual(Array.from({ length: iterations }, (_, i) => i + 1));
    for (const r of records) {
      expect(r.children).toHaveLength(1);
      const [c] = r.children;
      expect(c.Fq).toBeGreaterThan(0);
      expect(c.Fq).toBeLessThan(1);
      expect(c.Fd).toBeNaN();
      expect(c.F).toBe(c.Fq);
      expect(r.survivors).toEqual([0]);
    }
    const losses = records.map((r) => r.dLoss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.max(...losses) - Math.min(...losses)).toBeGreaterThan(1e-3);
    const target = dataMean();
    expect(Math.abs(meanOf(await fixed()) - target)).toBeLessThan(Math.abs(meanOf(before) - target));
    t.dispose();
  });

  it("still reports divergence: NaN generators end the next iteration with TrainingDiverged", async () => {
    const t = makeImageTrainer(config(family, { mutations: [mutation], mu: 1 }));
    await train(t, 1);
    t.corruptGenerators();
    await expect(t.step()).rejects.toThrow(/diverged at iteration 2/);
    t.dispose();
  });
});

describe("plain DCGAN iteration", () => {
  it("runs G twice and D three times (G's step; D's step on real and fakes): no fitness passes, unlike a two-mutation E-GAN iteration", async () => {
    const c = config("dcgan", { mutations: ["heuristic"], mu: 1 });
    const count = async (mutations: string[]) => {
      const data = loadImageData("mnist", "train", { limit: LIMIT });
      const { model, calls } = countedModel(imageModel(c.model, { height: 28, width: 28, channels: 1 }, data.numClasses));
      const t = new ImageEganTrainer({ ...c.trainer, mutations: mutations as never, mu: 1, model, data, seed: 3 });
      await train(t, 1);
      calls.generate = calls.discriminate = 0;
      await train(t, 1);
      t.dispose();
      return calls;
    };
    expect(await count(["heuristic"])).toEqual({ generate: 2, discriminate: 3 });
    // E-GAN, 2 children: 2 G steps; 2 evaluation samples; D once on the real batch (its loss
    // term's gradient is shared), once per child on its fakes (Fq and the fake term together); D's step on real + fake.
    expect(await count(["heuristic", "minimax"])).toEqual({ generate: 4, discriminate: 2 + 1 + 2 + 2 });
  });
});
