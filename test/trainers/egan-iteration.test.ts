// One E-GAN iteration of the fast trainer, recomputed independently: float64 networks, gradients
// by finite differences, Adam by hand. Covers the mutations' gradients, the child's Adam step
// from the parent's state, Fq, Fd = −log‖∇_θD L_D‖, selection and D's step on survivor samples.
import { beforeAll, describe, expect, it } from "vitest";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import { initMlp } from "../../src/models/mlp.ts";
import { EganFastTrainer } from "../../src/trainers/egan-fast.ts";
import type { EganOptions, EganStateData } from "../../src/trainers/egan-trainer.ts";
import { drawIteration } from "../../src/trainers/iteration-draws.ts";
import { Rng } from "../../src/util/rng.ts";
import { adam64, dLoss64, fdGrad, generatorLoss64, mlp64, rows, sigmoid, type Adam64 } from "../helpers/float64-gan.ts";
import { kernelModes, useWasm } from "../helpers/tf-backend.ts";

const options: EganOptions = {
  dataset: toyDataset("ring8"),
  zDim: 2,
  gHidden: [5],
  dHidden: [4],
  mutations: ["minimax", "heuristic", "least-squares"],
  // μ = 3: every child survives, so every child's weights are compared, in selection order.
  mu: 3,
  gamma: 0.7,
  nD: 1,
  batchSize: 6,
  evalBatchSize: 8,
  g: { lr: 0.01, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined },
  d: { lr: 0.02, beta1: 0.3, beta2: 0.99, epsilon: 1e-8, lrHalfLife: undefined },
  seed: 11,
};
const gDims = [2, 5, 2];
const dDims = [2, 4, 1];

/** A mid-training state: random weights and non-zero Adam moments, so the step depends on |g|. */
function midTrainingState(): EganStateData {
  const r = new Rng(99);
  const adam = (dims: { input: number; hidden: number[]; output: number }) => {
    const params = initMlp(dims, r);
    return {
      params,
      m: params.map((p) => r.normalArray(p.length, 0, 0.002)),
      v: params.map((p) => r.uniformArray(p.length, 1e-6, 1e-5)),
      t: 5,
    };
  };
  return { it: 5, rng: new Rng(3, 1).state(), parents: [adam({ input: 2, hidden: [5], output: 2 })], d: adam({ input: 2, hidden: [4], output: 1 }) };
}

const to64 = (s: EganStateData["d"]): Adam64 => ({
  params: s.params.map((a) => Float64Array.from(a)),
  m: s.m.map((a) => Float64Array.from(a)),
  v: s.v.map((a) => Float64Array.from(a)),
  t: s.t,
});

beforeAll(useWasm);

describe.each(kernelModes)("fast E-GAN iteration (%s)", (_, mode) => {
  beforeAll(mode);
  it("matches a float64 finite-difference recomputation of children, fitness, selection and D's step", async () => {
    const state = midTrainingState();
    const trainer = new EganFastTrainer(options, state);
    expect(await trainer.step()).toBeUndefined();
    const record = (await trainer.flush())!;
    const after = await trainer.exportState();
    trainer.dispose();

    // The same draws the trainer consumed.
    const draws = drawIteration(trainer.plan, 1, options.dataset, Rng.fromState(state.rng));
    const zChild = rows(draws.zChild[0], 2);
    const zEval = rows(draws.zEval, 2);
    const realEval = rows(draws.realEval, 2);
    const G = to64(state.parents[0]);
    let D = to64(state.d);
    const dOut = (x: number[]) => mlp64(D.params, x, dDims)[0];

    const children = options.mutations.map((mutation) => {
      const g = fdGrad(G.params, () => generatorLoss64(mutation, zChild.map((z) => dOut(mlp64(G.params, z, gDims)))));
      const child = adam64(G, g, options.g.lr, options.g.beta1, options.g.beta2, options.g.epsilon);
      const fakes = zEval.map((z) => mlp64(child.params, z, gDims));
      const Fq = fakes.reduce((s, x) => s + sigmoid(dOut(x)), 0) / fakes.length;
      const gd = fdGrad(D.params, () => dLoss64(realEval.map(dOut), fakes.map(dOut)));
      const norm = Math.sqrt(gd.reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0));
      const Fd = -Math.log(norm);
      return { mutation, child, fakes, Fq, Fd, F: Fq + options.gamma * Fd };
    });

    children.forEach((c, i) => {
      expect(record.children[i].mutation).toBe(c.mutation);
      expect(record.children[i].Fq).toBeCloseTo(c.Fq, 5);
      expect(record.children[i].Fd).toBeCloseTo(c.Fd, 4);
    });
    const order = children.map((_, i) => i).sort((a, b) => children[b].F - children[a].F);
    expect(record.survivors).toEqual(order);
    order.forEach((c, j) =>
      after.parents[j].params.forEach((p, k) => p.forEach((x, i) => expect(x).toBeCloseTo(children[c].child.params[k][i], 5))),
    );

    // D: one step on the first B real evaluation samples against the first q = B/μ evaluation
    // samples of each survivor.
    const q = options.batchSize / options.mu;
    const real = realEval.slice(0, options.batchSize);
    const fake = order.flatMap((c) => children[c].fakes.slice(0, q));
    const lossBefore = dLoss64(real.map(dOut), fake.map(dOut));
    const gd = fdGrad(D.params, () => dLoss64(real.map(dOut), fake.map(dOut)));
    D = adam64(D, gd, options.d.lr, options.d.beta1, options.d.beta2, options.d.epsilon);
    expect(record.dLoss).toBeCloseTo(lossBefore, 5);
    after.d.params.forEach((p, k) => p.forEach((x, i) => expect(x).toBeCloseTo(D.params[k][i], 5)));
    expect(after.d.t).toBe(6);
    expect(after.it).toBe(6);
  });
});
