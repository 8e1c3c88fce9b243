// The SGAN member's trainer on MNIST with 100 labels: D's classifier learns from chance to well
// clear of it with feature matching, E-GAN can mix feature matching with a score loss, the
// unlabelled images it trains on exclude the labelled and validation ones, a rebuilt trainer
// continues exactly (the noise layers' draws included), and the tensor count stays flat.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { semiTaskData } from "../../src/data/semi-task.ts";
import type { ParamData } from "../../src/models/image/params.ts";
import type { ImageEganState } from "../../src/trainers/image-egan-trainer.ts";
import type { TrainerRecord } from "../../src/trainers/trainer.ts";
import { makeImageTrainer, trainingData } from "../../src/trainers/image-trainer.ts";
import { SganTrainer } from "../../src/trainers/sgan-trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";

beforeAll(useWasm);

function config(over: { model?: object; trainer?: object } = {}) {
  const c = decodeRunConfig({
    task: { dataset: "mnist", limit: 3000, labelled: 100, validation: 500, labelSeed: 4 },
    model: { family: "sgan", zDim: 16, width: 8, ...over.model },
    trainer: { batchSize: 32, evalBatchSize: 32, ...over.trainer },
  });
  if (c.model.family !== "sgan") throw new Error("expected sgan");
  return { task: c.task, model: c.model, trainer: c.trainer, seed: 2 };
}

function sganTrainer(c: ReturnType<typeof config>, state?: ImageEganState): SganTrainer {
  const t = makeImageTrainer(c, state);
  if (!(t instanceof SganTrainer)) throw new Error("expected an SganTrainer");
  return t;
}

const train = (t: SganTrainer, n: number): Promise<TrainerRecord[]> => trainSteps(t, n);

describe("the SGAN trainer (MNIST, 100 labels)", () => {
  it("trains on the unlabelled images only: none of them is a labelled or a validation image", () => {
    const c = config();
    const semi = semiTaskData(trainingData(c.task), c.task);
    const key = (d: typeof semi.labelled, i: number) => d.images.subarray(i * 784, (i + 1) * 784).join(",");
    const held = new Set([...Array.from({ length: semi.labelled.count }, (_, i) => key(semi.labelled, i)), ...Array.from({ length: semi.validation.count }, (_, i) => key(semi.validation, i))]);
    expect(semi.labelled.count).toBe(100);
    expect(semi.validation.count).toBe(500);
    expect(semi.unlabelled.count).toBe(3000 - 600);
    for (let i = 0; i < semi.unlabelled.count; i++) expect(held.has(key(semi.unlabelled, i))).toBe(false);
  });

  it("feature matching: D's validation accuracy rises from chance to over 50% in 200 iterations; the tensor count stays flat", async () => {
    const c = config();
    const t = sganTrainer(c);
    const validation = semiTaskData(trainingData(c.task), c.task).validation;
    const before = await t.accuracy(validation);
    await train(t, 5);
    const tensors = tf.memory().numTensors;
    const records = await train(t, 195);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await t.accuracy(validation);
    console.log(`sgan trainer: validation accuracy ${(100 * before).toFixed(1)}% → ${(100 * after).toFixed(1)}% in 200 iterations`);
    expect(before).toBeLessThan(0.25);
    expect(after).toBeGreaterThan(0.5);
    expect(records.every((r) => r.children.length === 1 && r.children[0].mutation === "feature-matching" && Number.isFinite(r.dLoss))).toBe(true);
    t.dispose();
  });

  it("D's EMA (model.classifierEma) is D's weights averaged after each iteration from `start` on (by hand), is what `accuracy` reads (D itself with ema: false), and a rebuilt trainer continues it exactly", async () => {
    const c = config({ model: { dHidden: [32, 16], classifierEma: { decay: 0.5, start: 2 } }, trainer: { batchSize: 16, evalBatchSize: 16 } });
    const a = sganTrainer(c);
    const ds: ParamData[] = [];
    for (let k = 0; k < 3; k++) {
      await train(a, 1);
      ds.push((await a.exportState()).d.p);
    }
    const state = await a.exportState();
    // Iteration 1 < start: a copy of D; iterations 2 and 3: e ← ½·e + ½·D.
    expect(Object.keys(state.dEma ?? {})).toEqual(Object.keys(ds[0]));
    for (const [name, { data }] of Object.entries(state.dEma!)) {
      const want = data.map((_, i) => 0.25 * ds[0][name].data[i] + 0.25 * ds[1][name].data[i] + 0.5 * ds[2][name].data[i]);
      const scale = Math.max(...want.map(Math.abs));
      expect(Math.max(...data.map((v, i) => Math.abs(v - want[i]))), name).toBeLessThanOrEqual(1e-6 * scale + 1e-7);
      expect(Math.max(...data.map((v, i) => Math.abs(v - ds[2][name].data[i]))), name).toBeGreaterThan(1e-6 * scale); // D moved: the average is not D
    }
    const validation = semiTaskData(trainingData(c.task), c.task).validation;
    // A trainer whose EMA holds iteration 1's D classifies as a trainer whose D is iteration 1's.
    const emaOfFirst = sganTrainer(c, { ...state, dEma: ds[0] });
    const dOfFirst = sganTrainer(c, { ...state, d: { ...state.d, p: ds[0] } });
    expect(await emaOfFirst.accuracy(validation)).toBe(await dOfFirst.accuracy(validation, { ema: false }));
    expect(await emaOfFirst.accuracy(validation, { ema: false })).toBe(await a.accuracy(validation, { ema: false }));
    const b = sganTrainer(c, state);
    await train(a, 2);
    await train(b, 2);
    expect((await b.exportState()).dEma).toEqual((await a.exportState()).dEma);
    for (const t of [a, b, emaOfFirst, dOfFirst]) t.dispose();
  });

  it("E-GAN over feature matching and the heuristic loss: both children are scored and one survives; a rebuilt trainer continues exactly", async () => {
    const c = config({ model: { dHidden: [64, 32] }, trainer: { mutations: ["feature-matching", "heuristic"], batchSize: 16, evalBatchSize: 16 } });
    const a = sganTrainer(c);
    await train(a, 3);
    const b = sganTrainer(c, await a.exportState());
    const ra = await train(a, 4);
    const rb = await train(b, 4);
    expect(rb).toEqual(ra);
    for (const r of ra) {
      expect(r.children.map((k) => k.mutation)).toEqual(["feature-matching", "heuristic"]);
      expect(r.children.every((k) => Number.isFinite(k.F) && Number.isFinite(k.Fd))).toBe(true);
      expect(r.survivors).toHaveLength(1);
    }
    const validation = semiTaskData(trainingData(c.task), c.task).validation;
    expect(await b.accuracy(validation)).toBe(await a.accuracy(validation));
    expect((await b.sample(4, new Rng(1))).images).toEqual((await a.sample(4, new Rng(1))).images);
    a.dispose();
    b.dispose();
  });
});
