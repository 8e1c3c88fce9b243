// PGGAN driven, unchanged, by evogan's image E-GAN trainer at a fixed growth point: a plain run
// (one mutation, μ = 1) on 512 MNIST images. D's loss moves, G's samples from a fixed z move
// towards the data's mean intensity (MNIST is mostly black background, which an untrained G
// does not draw), the parameters of stages not grown yet stay exactly where they were, and the
// tensor count stays flat.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../../src/config/run-config.ts";
import { loadImageData } from "../../../src/data/image-dataset.ts";
import { pggan } from "../../../src/models/image/pggan.ts";
import { ImageEganTrainer } from "../../../src/trainers/image-egan-trainer.ts";
import type { TrainerRecord } from "../../../src/trainers/trainer.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const LIMIT = 512;
const meanOf = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe("PGGAN in the image E-GAN trainer", () => {
  it.each([
    [1, 1, 30],
    [2, 0.5, 12],
  ])("stage %i, α = %f, %i plain iterations: D's loss moves, samples move towards the data's mean, later stages untouched, tensors flat", async (stage, alpha, iterations) => {
    // The trainer's fields of a run config (only the model differs from a DCGAN run).
    const { trainer } = decodeRunConfig({
      model: { family: "dcgan", width: 8, zDim: 12 },
      task: { dataset: "mnist", limit: LIMIT },
      trainer: { mutations: ["heuristic"], mu: 1, batchSize: 16, evalBatchSize: 16, nD: 1, g: { lr: 1e-3 }, d: { lr: 1e-3 } },
    });
    const data = loadImageData("mnist", "train", { limit: LIMIT });
    const model = pggan({ zDim: 12, width: 8, shape: { height: 28, width: 28, channels: 1 } }).atGrowth(stage, alpha);
    const t = new ImageEganTrainer({ ...trainer, model, data, seed: 3 });
    const fixed = async () => (await t.sample(16, new Rng(9), { ema: false })).images;
    const before = await fixed();
    const initial = await t.exportState();

    const records: TrainerRecord[] = [];
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await t.step();
        if (r) records.push(r);
      }
      const last = await t.flush();
      if (last) records.push(last);
    };
    await run(2);
    const tensors = tf.memory().numTensors;
    await run(iterations - 2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(records.map((r) => r.it)).toEqual(Array.from({ length: iterations }, (_, i) => i + 1));

    const losses = records.map((r) => r.dLoss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.max(...losses) - Math.min(...losses)).toBeGreaterThan(1e-3);
    const after = await fixed();
    const target = meanOf(data.images);
    expect(Math.abs(meanOf(after) - target)).toBeLessThan(Math.abs(meanOf(before) - target));

    // Parameters this growth point does not read got zero gradients: Adam left them exactly as initialised.
    const now = await t.exportState();
    const untouched = (names: string[], a: typeof initial.parents[0], b: typeof now.parents[0]) =>
      names.every((n) => a.p[n].data.every((v, i) => v === b.p[n].data[i]));
    const gNames = Object.keys(now.parents[0].p);
    const dNames = Object.keys(now.d.p);
    const idle = (n: string) => (stage === 1 ? /^[gd]\.(block2|rgb2|rgb0)\./ : /^[gd]\.rgb0\./).test(n);
    expect(untouched(gNames.filter(idle), initial.parents[0], now.parents[0])).toBe(true);
    expect(untouched(dNames.filter(idle), initial.d, now.d)).toBe(true);
    expect(untouched(gNames.filter((n) => !idle(n) && n.endsWith(".w")), initial.parents[0], now.parents[0])).toBe(false);
    t.dispose();
  });
});
