// Evolving every k iterations (trainer.evolveEvery): on iterations 0, k, 2k, … every parent tries
// every mutation and the fittest μ survive; in between each parent makes one child with the loss
// its lineage was last selected with, every child survives, and an image iteration with μ = 1 is a
// plain one (no fitness passes: counted model calls). The toy fast path and its autodiff reference
// still agree, and a state exported between evolutions continues exactly.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { loadImageData } from "../../src/data/image-dataset.ts";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import { EganFastTrainer } from "../../src/trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../../src/trainers/egan-reference.ts";
import type { EganOptions, TrainerRecord } from "../../src/trainers/egan-trainer.ts";
import { ImageEganTrainer } from "../../src/trainers/image-egan-trainer.ts";
import { imageModel, makeImageTrainer } from "../../src/trainers/image-trainer.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";
import { configError } from "../config/helpers.ts";
import { countedModel, type ModelCalls } from "../helpers/counted-model.ts";

beforeAll(useWasm);

const MUTATIONS = ["minimax", "heuristic", "least-squares"] as const;

/**
 * The pattern every record must follow with k = 3: records of iterations 0, 3, 6, … (record.it
 * 1, 4, 7, …) hold every parent × every mutation; the others one child per parent, parent p's
 * with the mutation of the child that became parent p at the previous iteration, all surviving
 * (survivors best first, so in any order).
 */
function expectEvolveEveryThree(records: readonly TrainerRecord[], parents: number): void {
  records.forEach((r, i) => {
    if ((r.it - 1) % 3 === 0) {
      expect(r.children.map((c) => c.mutation)).toEqual(Array.from({ length: r.it === 1 ? 1 : parents }, () => MUTATIONS).flat());
      return;
    }
    const prev = records[i - 1];
    expect(r.children.map((c) => c.parent)).toEqual(Array.from({ length: parents }, (_, p) => p));
    expect(r.children.map((c) => c.mutation)).toEqual(prev.survivors.map((s) => prev.children[s].mutation));
    // Every child survives (best first, so in any order).
    expect([...r.survivors].sort()).toEqual(Array.from({ length: parents }, (_, p) => p));
  });
}

describe("toy E-GAN evolving every 3 iterations", () => {
  const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined };
  const o: EganOptions = {
    dataset: toyDataset("grid25"),
    zDim: 2,
    gHidden: [32, 32],
    dHidden: [32, 32],
    mutations: [...MUTATIONS],
    mu: 2,
    gamma: 0.5,
    nD: 2,
    batchSize: 16,
    evalBatchSize: 20,
    g: adam,
    d: adam,
    seed: 5,
    evolveEvery: 3,
  };

  it("follows the pattern, and the fast path and the autodiff reference agree on it", async () => {
    const fast = new EganFastTrainer(o);
    const rf = await trainSteps(fast, 8);
    const ref = new EganReferenceTrainer(o);
    const rr = await trainSteps(ref, 8);
    fast.dispose();
    ref.dispose();
    expect(rf.map((r) => r.it)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expectEvolveEveryThree(rf, 2);
    expect(rf.map((r) => r.survivors)).toEqual(rr.map((r) => r.survivors));
    rf.forEach((r, i) => r.children.forEach((c, j) => expect(c.Fq).toBeCloseTo(rr[i].children[j].Fq, 4)));
  });

  it("a state exported between evolutions continues exactly, with flat tensors", async () => {
    const a = new EganFastTrainer(o);
    await trainSteps(a, 5);
    const state = await a.exportState();
    expect(state.losses).toHaveLength(2);
    const tensors = tf.memory().numTensors;
    const ra = await trainSteps(a, 4);
    expect(tf.memory().numTensors).toBe(tensors);
    a.dispose();
    const b = new EganFastTrainer(o, state);
    expect(await trainSteps(b, 4)).toEqual(ra);
    b.dispose();
  });

  it("a checkpoint from before evolve-every-k (no losses) evolves at its next iteration", async () => {
    const a = new EganFastTrainer(o);
    await trainSteps(a, 2);
    const { losses: _, ...old } = await a.exportState();
    a.dispose();
    const b = new EganFastTrainer(o, old);
    const [r] = await trainSteps(b, 1);
    b.dispose();
    expect(r.children).toHaveLength(6);
  });
});

describe("DCGAN E-GAN evolving every 3 iterations", () => {
  const c = () => {
    const r = decodeRunConfig({
      model: { family: "dcgan", width: 8, zDim: 12 },
      task: { dataset: "mnist", limit: 256 },
      trainer: { mutations: [...MUTATIONS], batchSize: 16, evalBatchSize: 16, g: { lr: 1e-3 }, d: { lr: 1e-3 }, evolveEvery: 3 },
    });
    if (r.model.family === "mlp") throw new Error("expected dcgan");
    return { task: r.task, model: r.model, trainer: r.trainer, seed: 4 };
  };

  it("follows the pattern (between evolutions a plain child: Fd not computed, F = Fq) and resumes exactly from mid-cycle", async () => {
    const a = makeImageTrainer(c());
    const first = await trainSteps(a, 5);
    const state = await a.exportState();
    const tensors = tf.memory().numTensors;
    const rest = await trainSteps(a, 4);
    expect(tf.memory().numTensors).toBe(tensors);
    a.dispose();
    const records = [...first, ...rest];
    expectEvolveEveryThree(records, 1);
    for (const r of records.filter((r) => (r.it - 1) % 3 !== 0)) {
      expect(r.children[0].Fd).toBeNaN();
      expect(r.children[0].F).toBe(r.children[0].Fq);
    }
    const b = makeImageTrainer(c(), state);
    expect(await trainSteps(b, 4)).toEqual(rest);
    b.dispose();
  });

  it("an iteration between evolutions costs a plain one's model calls (G twice, D three times); an evolving one its E-GAN calls", async () => {
    const cfg = c();
    const data = loadImageData("mnist", "train", { limit: 256 });
    const { model, calls } = countedModel(imageModel(cfg.model, { height: 28, width: 28, channels: 1 }, data.numClasses));
    const t = new ImageEganTrainer({ ...cfg.trainer, model, data, seed: 4 });
    const perIteration: ModelCalls[] = [];
    for (let i = 0; i < 4; i++) {
      calls.generate = calls.discriminate = 0;
      await t.step();
      perIteration.push({ ...calls });
    }
    await t.flush();
    t.dispose();
    // E-GAN with 3 children: 3 G steps (each through D), 3 evaluation samples; D on the real batch once, on each child's fakes, and its step on real + fake.
    const egan = { generate: 6, discriminate: 3 + 1 + 3 + 2 };
    const plain = { generate: 2, discriminate: 3 };
    expect(perIteration).toEqual([egan, plain, plain, egan]);
  });
});

describe("trainer.evolveEvery in a config", () => {
  it("defaults to 1 (every iteration, the paper's); must be a positive integer; BigBiGAN and CycleGAN evolve every iteration", () => {
    expect(decodeRunConfig({}).trainer.evolveEvery).toBe(1);
    expect(decodeRunConfig({ trainer: { evolveEvery: 10 } }).trainer.evolveEvery).toBe(10);
    expect(configError(() => decodeRunConfig({ trainer: { evolveEvery: 0 } })).message).toMatch(/trainer\.evolveEvery/);
    expect(configError(() => decodeRunConfig({ model: { family: "bigbigan" }, task: { dataset: "mnist" }, trainer: { evolveEvery: 5 } })).message).toMatch(/trainer\.evolveEvery: bigbigan evolves every iteration/);
  });
});
