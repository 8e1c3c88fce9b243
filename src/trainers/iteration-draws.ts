// All random numbers one E-GAN iteration consumes, drawn up front in a fixed order. Both
// implementations (fast and reference) read the same draws, so from the same seed they train on
// the same data and must reach the same survivors; the order is also what makes a run repeatable.
//
// Batches, after the reference code (WANG-Chaoyue/EvolutionaryGAN, toys/):
// - each parent's children share one batch z (common random numbers: children differ only in
//   their loss, which is what selection compares);
// - all children are scored on one evaluation batch of z and one of real samples;
// - D's first step trains on the first B real evaluation samples against the first q = B/μ
//   evaluation samples of each survivor (the reference trains D on the survivors' evaluation
//   samples); further D steps take fresh real batches and the next q samples of each survivor,
//   or fresh samples of the survivors once the evaluation batch is used up.
//
// Instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017), when the trainer anneals one:
// every point D sees, real or fake, gets N(0, s²·I) added, s falling to 0 over training, so early
// on D's gradient reaches every mode of the blurred data instead of vanishing between sharp ones.
// The noise for fakes is drawn here too (each parent's batch, the shared evaluation batch, the
// fresh D batches), so both implementations add the same numbers. With s = 0 nothing is drawn.
import { sampleToy, type ToyDataset } from "../data/toy-datasets.ts";
import type { Rng } from "../util/rng.ts";

export interface DrawPlan {
  readonly B: number;
  readonly E: number;
  readonly nz: number;
  readonly mu: number;
  readonly nD: number;
  /** Fakes per survivor in one D step. */
  readonly q: number;
  /** How many D steps take their fakes from the evaluation batch (the rest sample fresh ones). */
  readonly evalFakeSteps: number;
  /** Whether D's first step reuses the first B real evaluation samples. */
  readonly realFromEval: boolean;
  /** Row counts of the evaluation batch, in order: one chunk of q per evalFakeSteps, then the rest. */
  readonly evalChunks: readonly number[];
  /** Row counts of the real evaluation batch: [B, E − B] when realFromEval, else [E]. */
  readonly realChunks: readonly number[];
}

export function drawPlan(o: { batchSize: number; evalBatchSize: number; zDim: number; mu: number; nD: number }): DrawPlan {
  const B = o.batchSize;
  const E = o.evalBatchSize;
  const q = Math.max(1, Math.floor(B / o.mu));
  const evalFakeSteps = Math.min(o.nD, Math.floor(E / q));
  const evalChunks: number[] = new Array(evalFakeSteps).fill(q);
  if (E - evalFakeSteps * q > 0) evalChunks.push(E - evalFakeSteps * q);
  const realFromEval = B <= E;
  const realChunks = realFromEval ? (E > B ? [B, E - B] : [B]) : [E];
  return { B, E, nz: o.zDim, mu: o.mu, nD: o.nD, q, evalFakeSteps, realFromEval, evalChunks, realChunks };
}

export interface IterationDraws {
  /** Per parent: B × nz. */
  readonly zChild: Float32Array[];
  /** E × nz, shared by all children. */
  readonly zEval: Float32Array;
  /** E × 2. */
  readonly realEval: Float32Array;
  /** Real batches (B × 2) for the D steps that do not reuse the evaluation batch, in step order. */
  readonly realExtra: Float32Array[];
  /** For the D steps past evalFakeSteps: μ·q × nz, survivor s takes rows s·q..(s+1)·q − 1. */
  readonly zFresh: Float32Array[];
  /** Instance noise for the fakes, shaped as the fakes they are added to (absent without noise). */
  readonly noise?: { readonly child: Float32Array[]; readonly eval: Float32Array; readonly fresh: Float32Array[] };
}

/** `noiseStd`: this iteration's instance-noise s (0: none, and no extra draws). */
export function drawIteration(plan: DrawPlan, parents: number, data: ToyDataset, rng: Rng, noiseStd = 0): IterationDraws {
  const zChild: Float32Array[] = [];
  for (let p = 0; p < parents; p++) zChild.push(rng.uniformArray(plan.B * plan.nz, -1, 1));
  const zEval = rng.uniformArray(plan.E * plan.nz, -1, 1);
  const realEval = sampleToy(data, plan.E, rng);
  const realExtra: Float32Array[] = [];
  for (let j = plan.realFromEval ? 1 : 0; j < plan.nD; j++) realExtra.push(sampleToy(data, plan.B, rng));
  const zFresh: Float32Array[] = [];
  for (let j = plan.evalFakeSteps; j < plan.nD; j++) zFresh.push(rng.uniformArray(plan.mu * plan.q * plan.nz, -1, 1));
  if (noiseStd <= 0) return { zChild, zEval, realEval, realExtra, zFresh };
  const blur = (x: Float32Array) => {
    for (let i = 0; i < x.length; i++) x[i] += noiseStd * rng.normal();
  };
  blur(realEval);
  realExtra.forEach(blur);
  const noise = {
    child: zChild.map(() => rng.normalArray(2 * plan.B, 0, noiseStd)),
    eval: rng.normalArray(2 * plan.E, 0, noiseStd),
    fresh: zFresh.map(() => rng.normalArray(2 * plan.mu * plan.q, 0, noiseStd)),
  };
  return { zChild, zEval, realEval, realExtra, zFresh, noise };
}

/** Instance noise s at iteration `it` (0-based): s0 falling linearly to 0 at iteration `until`. */
export function noiseStdAt(o: { readonly std: number; readonly until: number } | undefined, it: number): number {
  return o ? o.std * Math.max(0, 1 - it / o.until) : 0;
}
