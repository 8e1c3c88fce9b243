import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import { toyMetrics } from "../../src/metrics/toy-metrics.ts";
import { EganFastTrainer } from "../../src/trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../../src/trainers/egan-reference.ts";
import { TrainingDiverged } from "../../src/errors.ts";
import type { EganOptions, EganTrainer, TrainerRecord } from "../../src/trainers/egan-trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { kernelModes, useWasm } from "../helpers/tf-backend.ts";

const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined };
const small: EganOptions = {
  dataset: toyDataset("grid25"),
  zDim: 2,
  gHidden: [32, 32],
  dHidden: [32, 32],
  mutations: ["minimax", "heuristic", "least-squares"],
  mu: 2,
  gamma: 0.5,
  nD: 3, // exercises D's first step from fitness pieces, a second from the evaluation batch, a third from fresh samples
  batchSize: 16,
  evalBatchSize: 20,
  g: adam,
  d: adam,
  seed: 3,
};

async function records(trainer: EganTrainer, n: number): Promise<TrainerRecord[]> {
  const out: TrainerRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = await trainer.step();
    if (r) out.push(r);
  }
  out.push((await trainer.flush())!);
  trainer.dispose();
  return out;
}

beforeAll(useWasm);

describe.each(kernelModes)("E-GAN trainer implementations (%s)", (_, mode) => {
  beforeAll(mode);
  it("the fast path and the autodiff reference find the same survivors and fitness from the same seed", async () => {
    const fast = await records(new EganFastTrainer(small), 6);
    const ref = await records(new EganReferenceTrainer(small), 6);
    expect(fast.map((r) => r.survivors)).toEqual(ref.map((r) => r.survivors));
    fast.forEach((r, i) => {
      r.children.forEach((c, j) => {
        expect(c.Fq).toBeCloseTo(ref[i].children[j].Fq, 4);
        expect(c.Fd).toBeCloseTo(ref[i].children[j].Fd, 3);
      });
      expect(r.dLoss).toBeCloseTo(ref[i].dLoss, 4);
    });
  });

  it("with PacGAN packing (m = 2), the rsgan mutation and annealed instance noise, too: same survivors and fitness", async () => {
    const packed: EganOptions = { ...small, pack: 2, mutations: ["minimax", "heuristic", "least-squares", "rsgan"], instanceNoise: { std: 0.05, until: 4 } };
    const fastTrainer = new EganFastTrainer(packed);
    expect(fastTrainer.dSpec.input).toBe(4);
    const fast = await records(fastTrainer, 6);
    const ref = await records(new EganReferenceTrainer(packed), 6);
    expect(fast.map((r) => r.survivors)).toEqual(ref.map((r) => r.survivors));
    fast.forEach((r, i) => {
      r.children.forEach((c, j) => {
        expect(c.mutation).toBe(ref[i].children[j].mutation);
        expect(c.Fq).toBeCloseTo(ref[i].children[j].Fq, 4);
        expect(c.Fd).toBeCloseTo(ref[i].children[j].Fd, 3);
      });
      expect(r.dLoss).toBeCloseTo(ref[i].dLoss, 4);
    });
    // Packing and noise change the game: the same seed without either gives other fitness values.
    expect((await records(new EganFastTrainer({ ...packed, pack: 1 }), 2))[0].children[0].Fq).not.toBeCloseTo(fast[0].children[0].Fq, 4);
    expect((await records(new EganFastTrainer({ ...packed, instanceNoise: undefined }), 2))[0].children[0].Fq).not.toBeCloseTo(fast[0].children[0].Fq, 4);
  });

  it("with an EMA generator: samples come from the EMA, which lags G, and an exported state continues identically", async () => {
    const withEma: EganOptions = { ...small, ema: { decay: 0.9, start: 2 } };
    const t = new EganFastTrainer(withEma);
    await records2(t, 6);
    const ema = await t.sample(50, new Rng(1, 2));
    const raw = await t.sample(50, new Rng(1, 2), { ema: false });
    expect(Array.from(ema)).not.toEqual(Array.from(raw));
    const state = await t.exportState();
    expect(state.ema).toBeDefined();
    const cont = await records(t, 3);
    const resumed = new EganFastTrainer(withEma, state);
    expect(Array.from(await resumed.sample(50, new Rng(1, 2)))).toEqual(Array.from(ema));
    expect(await records(resumed, 3)).toEqual(cont);
  });

  it("is deterministic: the same options and seed give identical records", async () => {
    expect(await records(new EganFastTrainer(small), 5)).toEqual(await records(new EganFastTrainer(small), 5));
    expect(await records(new EganFastTrainer({ ...small, seed: 4 }), 2)).not.toEqual(await records(new EganFastTrainer(small), 2));
  });

  it("keeps tf.memory().numTensors flat across iterations, also with the EMA, instance noise, packing and rsgan", async () => {
    const extras: EganOptions = { ...small, ema: { decay: 0.9, start: 3 }, instanceNoise: { std: 0.1, until: 10 }, pack: 2, mutations: ["heuristic", "rsgan"] };
    for (const o of [small, extras]) {
      const trainer = new EganFastTrainer(o);
      await trainer.step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await trainer.step();
      expect(tf.memory().numTensors).toBe(before);
      await trainer.flush();
      trainer.dispose();
    }
  });

  it("when an iteration diverges mid-segment, the previous iteration's record is still delivered, complete", async () => {
    const t = new EganFastTrainer(small);
    const got = [await t.step(), await t.step(), await t.step()].filter((r) => r !== undefined);
    expect(got.map((r) => r.it)).toEqual([1, 2]);
    t.corruptGenerators();
    await expect(t.step()).rejects.toThrow(TrainingDiverged);
    const last = await t.flush();
    expect(last?.it).toBe(3);
    expect(Number.isFinite(last?.dLoss)).toBe(true);
    expect(await t.flush()).toBeUndefined();
    t.dispose();
  });

  it("a state exported and re-imported continues with identical records", async () => {
    const a = new EganFastTrainer(small);
    await records2(a, 3);
    const state = await a.exportState();
    const cont = await records(a, 3);
    expect(await records(new EganFastTrainer(small, state), 3)).toEqual(cont);
  });

  it("training on ring8 improves: samples move onto the modes (nearest-centre distance, high-quality share, modes)", async () => {
    const o: EganOptions = { ...small, dataset: toyDataset("ring8"), gHidden: [64, 64], dHidden: [64, 64], mu: 1, nD: 1, batchSize: 64, evalBatchSize: 128, g: { ...adam, lr: 3e-3 }, d: { ...adam, lr: 3e-3 }, gamma: 0.1 };
    const trainer = new EganFastTrainer(o);
    const c = o.dataset.centres;
    const measure = async () => {
      const s = await trainer.sample(1000, new Rng(1, 2));
      let dist = 0;
      for (let i = 0; i < 1000; i++) {
        let best = Infinity;
        for (let m = 0; m < c.length / 2; m++) best = Math.min(best, Math.hypot(s[2 * i] - c[2 * m], s[2 * i + 1] - c[2 * m + 1]));
        dist += best / 1000;
      }
      return { dist, ...toyMetrics(s, o.dataset) };
    };
    const start = await measure();
    for (let i = 0; i < 900; i++) await trainer.step();
    await trainer.flush();
    const end = await measure();
    trainer.dispose();
    expect(start.highQuality).toBe(0);
    expect(end.dist).toBeLessThan(0.4 * start.dist);
    expect(end.highQuality).toBeGreaterThan(0.05);
    expect(end.modes).toBeGreaterThanOrEqual(3);
  });
});

async function records2(trainer: EganTrainer, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await trainer.step();
  await trainer.flush();
}
