// The PGGAN member's trainer (WGAN-GP, growing 7 → 14 → 28 on MNIST): its records carry the
// growth point of each iteration, stepping through the schedule as growth-schedule.ts says;
// every phase of a stage's first iteration (α = 0) trains at that point, D's steps included (the
// base trainer counts the iteration before them); a checkpoint taken mid-fade resumes to the
// records of an uninterrupted run; training at 7×7 lowers FID;
// the tensor count stays flat through growth.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import type { ParamData } from "../../src/models/image/params.ts";
import { imageMetrics } from "../../src/metrics/classifier/image-metrics.ts";
import { makeImageTrainer } from "../../src/trainers/image-trainer.ts";
import type { ImageEganState } from "../../src/trainers/image-egan-trainer.ts";
import { PgganTrainer, type PgganRecord } from "../../src/trainers/pggan-trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";

beforeAll(useWasm);

function config(growth: { hold: number[]; fade: number[] }, trainer: object = {}) {
  const c = decodeRunConfig({
    task: { dataset: "mnist", limit: 512 },
    model: { family: "pggan", zDim: 8, width: 8, growth },
    trainer: { batchSize: 8, evalBatchSize: 8, ...trainer },
  });
  if (c.model.family !== "pggan") throw new Error("expected pggan");
  return { task: c.task, model: c.model, trainer: c.trainer, seed: 5 };
}

function pgganTrainer(c: ReturnType<typeof config>, state?: ImageEganState): PgganTrainer {
  const t = makeImageTrainer(c, state);
  if (!(t instanceof PgganTrainer)) throw new Error("expected a PgganTrainer");
  return t;
}

const train = (t: PgganTrainer, n: number): Promise<PgganRecord[]> => trainSteps(t, n);

const EGAN = { mutations: ["hinge", "least-squares"] };

describe("the PGGAN trainer", () => {
  it("records each iteration's stage and α: hold [3, 2], fade [4, 2] gives 3 at 7×7, a 4-iteration fade to 14, 2 at 14, a 2-iteration fade to 28, then 28; tensors stay flat", async () => {
    const t = pgganTrainer(config({ hold: [3, 2], fade: [4, 2] }));
    expect(t.growth).toEqual({ stage: 0, alpha: 1 });
    const records = await train(t, 1);
    const tensors = tf.memory().numTensors;
    records.push(...(await train(t, 12)));
    expect(tf.memory().numTensors).toBe(tensors);
    // By hand from growth-schedule.ts: T_1 = 3, T_2 = 3 + 4 + 2 = 9; α = (t − T_k)/fade.
    const expected = [
      [0, 1], [0, 1], [0, 1],
      [1, 0], [1, 0.25], [1, 0.5], [1, 0.75], [1, 1], [1, 1],
      [2, 0], [2, 0.5], [2, 1], [2, 1],
    ];
    expect(records.map((r) => r.it)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(records.map((r) => [r.stage, r.alpha])).toEqual(expected);
    expect(records.every((r) => Number.isFinite(r.dLoss) && Number.isFinite(r.children[0].Fq))).toBe(true);
    // Between iterations the trainer is at the next one's point.
    expect(t.growth).toEqual({ stage: 2, alpha: 1 });
    t.dispose();
  });

  it("a stage's first iteration (α = 0) leaves the new stage's G and D weights exactly as they were, D's steps included; the next one (α = 1/3) moves them", async () => {
    // E-GAN (two mutations), so the base trainer counts the iteration before D's steps: had D
    // read the count there, it would train at α = 1/3 and move d.block1.
    const t = pgganTrainer(config({ hold: [2, 50], fade: [3, 50] }, EGAN));
    await train(t, 2);
    const s0 = await t.exportState();
    await train(t, 1);
    const s1 = await t.exportState();
    await train(t, 1);
    const s2 = await t.exportState();
    const g = (s: ImageEganState): ParamData => s.parents[0].p;
    const newStage = (p: ParamData) => Object.keys(p).filter((n) => /^[gd]\.(block1|rgb1)\./.test(n));
    const gNew = newStage(g(s0));
    const dNew = newStage(s0.d.p);
    expect(gNew.sort()).toEqual(["g.block1.conv1.b", "g.block1.conv1.w", "g.block1.conv2.b", "g.block1.conv2.w", "g.rgb1.b", "g.rgb1.w"]);
    expect(dNew.sort()).toEqual(["d.block1.conv1.b", "d.block1.conv1.w", "d.block1.conv2.b", "d.block1.conv2.w", "d.rgb1.b", "d.rgb1.w"]);
    const same = (a: ParamData, b: ParamData, n: string) => a[n].data.every((v, i) => v === b[n].data[i]);
    // α = 0: the new stage's weights do not move, the rest do.
    for (const n of gNew) expect(same(g(s0), g(s1), n), n).toBe(true);
    for (const n of dNew) expect(same(s0.d.p, s1.d.p, n), n).toBe(true);
    expect(same(g(s0), g(s1), "g.base.fc.w")).toBe(false);
    expect(same(s0.d.p, s1.d.p, "d.final.fc.w")).toBe(false);
    // α = 1/3: they do.
    for (const n of ["g.block1.conv2.w", "g.rgb1.w"]) expect(same(g(s1), g(s2), n), n).toBe(false);
    for (const n of ["d.block1.conv1.w", "d.rgb1.w"]) expect(same(s1.d.p, s2.d.p, n), n).toBe(false);
    t.dispose();
  });

  it("the EMA of G copies G until the schedule is fully grown (hold [2, 1], fade [2, 1]: iteration 6), whatever its start, then averages", async () => {
    const t = pgganTrainer(config({ hold: [2, 1], fade: [2, 1] }, { ema: { decay: 0.5, start: 0 } }));
    const equalToG = (s: ImageEganState) => Object.keys(s.parents[0].p).every((n) => s.ema![n].data.every((v, i) => v === s.parents[0].p[n].data[i]));
    await train(t, 5);
    expect(equalToG(await t.exportState())).toBe(true);
    await train(t, 3);
    expect(equalToG(await t.exportState())).toBe(false);
    t.dispose();
  });

  it("a checkpoint taken mid-fade (α = 0.5 next) resumes to the records and samples of an uninterrupted run (E-GAN, WGAN-GP's ε draws included)", async () => {
    const c = config({ hold: [2, 3], fade: [4, 3] }, EGAN);
    const straight = pgganTrainer(c);
    const whole = await train(straight, 10);
    const a = pgganTrainer(c);
    const first = await train(a, 4);
    expect(a.growth).toEqual({ stage: 1, alpha: 0.5 });
    const b = pgganTrainer(c, await a.exportState());
    a.dispose();
    expect(b.growth).toEqual({ stage: 1, alpha: 0.5 });
    const rest = await train(b, 6);
    expect([...first, ...rest]).toEqual(whole);
    expect(whole.map((r) => r.stage)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 2]);
    for (const r of whole) {
      expect(r.children.map((k) => k.mutation)).toEqual(["hinge", "least-squares"]);
      expect(r.children.every((k) => Number.isFinite(k.F) && Number.isFinite(k.Fd))).toBe(true);
    }
    expect((await b.sample(4, new Rng(1))).images).toEqual((await straight.sample(4, new Rng(1))).images);
    b.dispose();
    straight.dispose();
  });

  it("trains at 7×7: FID (evogan's classifier, 256 samples) falls by over a fifth in 100 iterations", async () => {
    const t = pgganTrainer(config({ hold: [1000, 1000], fade: [1000, 1000] }));
    const fid = async () => (await imageMetrics((await t.sample(256, new Rng(9))).images, 256)).fid;
    const before = await fid();
    const records = await train(t, 100);
    const after = await fid();
    console.log(`pggan trainer at 7×7: FID ${before.toFixed(1)} → ${after.toFixed(1)} in 100 iterations`);
    expect(records.every((r) => r.stage === 0 && r.alpha === 1)).toBe(true);
    expect(after).toBeLessThan(0.8 * before);
    t.dispose();
  });
});
