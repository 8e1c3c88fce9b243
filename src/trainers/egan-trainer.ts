// The E-GAN trainer of one member: μ generators (parents) sharing one discriminator D.
// One iteration: every parent makes one child per mutation (one Adam step from the parent's
// weights and Adam state), every child is scored with F = Fq + γ·Fd on the evaluation batch,
// the best μ survive (strategies/egan), then D takes n_D steps against the survivors' samples.
//
// Two implementations share this class and the same random draws: `fast` (hand-written
// backprop, plain 2-D matmuls, forward passes reused; src/trainers/egan-fast.ts) and
// `reference` (straightforward tfjs autodiff; src/trainers/egan-reference.ts). A test checks
// that they agree. The iteration reads the device once (the fitness values selection needs);
// D's loss is read with the next iteration's fitness, so records lag by one until `flush`.
// Options beyond the paper (all off by default): an EMA copy of the fittest survivor that
// sampling uses, annealed instance noise on everything D sees, PacGAN packing of D's inputs, and
// evolving only every k-th iteration (in between each parent trains on its lineage's loss and
// every child survives: strategies/egan lossesToTry).
import * as tf from "@tensorflow/tfjs";
import { lossesToTry, survivorsOf, type Mutation } from "../../strategies/egan.ts";
import type { MlpModelConfig, TrainerConfig } from "../config/run-config.ts";
import type { ToyDataset } from "../data/toy-datasets.ts";
import { applyMlp, initMlp, paramShapes, type MlpSpec } from "../models/mlp.ts";
import { Rng, type RngState } from "../util/rng.ts";
import { adamInit, disposeAdam, type AdamState } from "./adam.ts";
import { childRecords, LaggedRecord } from "./lagged-record.ts";
import { drawIteration, drawPlan, noiseStdAt, type DrawPlan, type IterationDraws } from "./iteration-draws.ts";
import { weightsEma, type WeightsEma } from "./weights-ema.ts";
import { readParamData, type ParamData, type Params } from "../models/image/params.ts";
import { TrainingDiverged } from "../errors.ts";
import type { Trainer, TrainerRecord } from "./trainer.ts";

export type { TrainerRecord } from "./trainer.ts";

/**
 * The toy trainer's options: the run config's MLP and trainer fields (src/config/run-config.ts
 * says what each means), plus what only exists at run time: the dataset itself and the member's
 * seed. The EMA (of the fittest survivor's weights; sampling uses it), PacGAN packing (every mean
 * over D's outputs is then over packs) and instance noise (src/trainers/iteration-draws.ts) may be
 * left out: off.
 */
export type EganOptions = Pick<MlpModelConfig, "zDim" | "gHidden" | "dHidden"> &
  Pick<TrainerConfig, "mu" | "gamma" | "nD" | "batchSize" | "evalBatchSize" | "g" | "d"> &
  Partial<Pick<TrainerConfig, "ema" | "pack" | "instanceNoise" | "evolveEvery" | "selection">> & {
    /** The config's mutations, all of them losses on D's score (the MLP D gives no features). */
    readonly mutations: readonly Mutation[];
    readonly dataset: ToyDataset;
    readonly seed: number;
  };

/** What an implementation computes for one iteration before selection. */
export interface ScoredChildren {
  /** Children in order parent-major, loss-minor: parent p's children are the losses it tried, in order. */
  readonly children: AdamState[];
  /** [Fq_0..Fq_{C−1}, ‖∇‖²_0..‖∇‖²_{C−1}] */
  readonly scores: tf.Tensor1D;
  /** Trains D against the survivors' samples; returns D's new state and its last step's loss. */
  readonly trainD: (survivors: readonly number[]) => { d: AdamState; loss: tf.Scalar };
  /** Frees what trainD would have used. */
  readonly dispose: () => void;
}

/** Plain arrays of a trainer's whole state, for checkpoints and for moving a member. */
export interface EganStateData {
  readonly it: number;
  readonly rng: RngState;
  readonly parents: Array<{ params: Float32Array[]; m: Float32Array[]; v: Float32Array[]; t: number }>;
  readonly d: { params: Float32Array[]; m: Float32Array[]; v: Float32Array[]; t: number };
  /** The EMA generator's weights, when the options ask for one. */
  readonly ema?: ParamData;
  /** Each parent's loss, the mutation its lineage was last selected with (absent in older checkpoints: the next iteration evolves). */
  readonly losses?: Mutation[];
}

export abstract class EganTrainer implements Trainer<EganStateData> {
  readonly plan: DrawPlan;
  readonly gSpec: MlpSpec;
  readonly dSpec: MlpSpec;
  protected parents: AdamState[];
  protected d: AdamState;
  protected rng: Rng;
  private it = 0;
  private readonly lag = new LaggedRecord();
  private readonly ema: WeightsEma | undefined;
  /** Each parent's loss, the mutation its lineage was last selected with (empty before the first iteration). */
  private losses: Mutation[] = [];

  constructor(readonly o: EganOptions, state?: EganStateData) {
    this.plan = drawPlan({ ...o, zDim: o.zDim });
    this.gSpec = { input: o.zDim, hidden: o.gHidden, output: 2 };
    this.dSpec = { input: 2 * this.m, hidden: o.dHidden, output: 1 };
    if (state) {
      this.it = state.it;
      this.rng = Rng.fromState(state.rng);
      this.parents = state.parents.map((p) => toAdam(p, paramShapes(this.gSpec)));
      this.d = toAdam(state.d, paramShapes(this.dSpec));
      this.losses = state.losses ?? [];
    } else {
      const init = new Rng(o.seed, 0);
      // Every parent starts from the same initial G, as in the reference (one G, copied).
      const g0 = initMlp(this.gSpec, init);
      const d0 = initMlp(this.dSpec, init);
      this.parents = [adamInit(toTensors(g0, paramShapes(this.gSpec)))];
      this.d = adamInit(toTensors(d0, paramShapes(this.dSpec)));
      this.rng = new Rng(o.seed, 1);
    }
    this.ema = weightsEma(o.ema, () => named(this.parents[0].params), state?.ema);
  }

  /** Samples per D input (PacGAN's m). */
  get m(): number {
    return this.o.pack ?? 1;
  }

  /** Fakes [n, 2] plus their instance noise (rows `from`.. of `noise`), or as they are without noise. */
  protected blurred(x: tf.Tensor2D, noise: Float32Array | undefined, from = 0): tf.Tensor2D {
    if (!noise) return x;
    const n = x.shape[0];
    return tf.add(x, tf.tensor2d(noise.subarray(2 * from, 2 * (from + n)), [n, 2]));
  }

  /** Rows of 2-D points [n, 2] as D's packed inputs [n/m, 2m]: m consecutive points per input. */
  protected packed(x: tf.Tensor2D): tf.Tensor2D {
    return this.m === 1 ? x : tf.reshape(x, [x.shape[0] / this.m, 2 * this.m]);
  }

  get iteration(): number {
    return this.it;
  }

  /** Scores one child per loss in tried[p] for each parent p (children parent-major). */
  protected abstract score(draws: IterationDraws, tried: readonly (readonly Mutation[])[]): ScoredChildren;

  /**
   * Runs one iteration. Returns the record of the previous iteration, now complete with D's
   * loss (read together with this iteration's fitness, in one device read).
   */
  async step(): Promise<TrainerRecord | undefined> {
    const draws = drawIteration(this.plan, this.parents.length, this.o.dataset, this.rng, noiseStdAt(this.o.instanceNoise, this.it));
    const tried = lossesToTry(this.it, this.o.evolveEvery ?? 1, this.parents.length, this.losses, this.o.mutations) as Mutation[][];
    const scored = this.score(draws, tried);
    const values = await this.lag.read(scored.scores);
    scored.scores.dispose();
    const children = childRecords(values, tried, this.o.gamma);
    const survivors = survivorsOf(children, this.o.mu, this.o.selection);
    this.it++;
    if (survivors.length === 0) {
      scored.dispose();
      scored.children.forEach(disposeAdam);
      throw new TrainingDiverged(this.it);
    }
    const { d, loss } = scored.trainD(survivors);
    scored.dispose();
    disposeAdam(this.d);
    this.d = d;
    this.parents.forEach(disposeAdam);
    this.parents = survivors.map((s) => scored.children[s]);
    this.losses = survivors.map((s) => children[s].mutation as Mutation);
    scored.children.forEach((c, i) => survivors.includes(i) || disposeAdam(c));
    this.ema?.follow(named(this.parents[0].params), this.it);
    this.lag.hold({ it: this.it, children, survivors, dLoss: NaN }, loss);
    return this.lag.take();
  }

  /** Completes and returns the last iteration's record (one extra device read). */
  flush(): Promise<TrainerRecord | undefined> {
    return this.lag.flush();
  }

  /** n generator samples (x0, y0, ...): all from the EMA generator (unless `ema: false`), or an equal share from each survivor. */
  async sample(n: number, rng: Rng, opts: { ema?: boolean } = {}): Promise<Float32Array> {
    const out = new Float32Array(2 * n);
    const generators = this.ema && opts.ema !== false ? [unnamed(this.ema.weights)] : this.parents.map((p) => p.params);
    const P = generators.length;
    let row = 0;
    for (let p = 0; p < P; p++) {
      const rows = Math.floor(n / P) + (p < n % P ? 1 : 0);
      const z = rng.uniformArray(rows * this.o.zDim, -1, 1);
      const x = tf.tidy(() => applyMlp(generators[p], tf.tensor2d(z, [rows, this.o.zDim])));
      out.set(await x.data(), 2 * row);
      x.dispose();
      row += rows;
    }
    return out;
  }

  /** Fault injection for tests: every generator weight becomes NaN, so the next iteration diverges. */
  corruptGenerators(): void {
    this.parents = this.parents.map((p) => {
      const params = p.params.map((t) => tf.fill(t.shape, NaN));
      tf.dispose(p.params);
      return { ...p, params };
    });
  }

  async exportState(): Promise<EganStateData> {
    if (!this.lag.empty) throw new Error("exportState before flush: the last record is incomplete");
    const [parents, d, ema] = await Promise.all([Promise.all(this.parents.map(fromAdam)), fromAdam(this.d), this.ema ? readParamData(this.ema.weights) : undefined]);
    return { it: this.it, rng: this.rng.state(), parents, d, ...(ema ? { ema } : {}), ...(this.losses.length > 0 ? { losses: this.losses } : {}) };
  }

  dispose(): void {
    this.parents.forEach(disposeAdam);
    disposeAdam(this.d);
    this.ema?.dispose();
    this.lag.dispose();
  }
}

/** An MLP's weight list as named parameters ("0", "1", …), the form WeightsEma keeps. */
function named(params: readonly tf.Tensor[]): Params {
  return Object.fromEntries(params.map((t, i) => [String(i), t]));
}

function unnamed(p: Params): tf.Tensor[] {
  return Object.keys(p).map((_, i) => p[String(i)]);
}


function toTensors(arrays: readonly Float32Array[], shapes: number[][]): tf.Tensor[] {
  return arrays.map((a, i) => tf.tensor(a, shapes[i]));
}

function toAdam(s: EganStateData["d"], shapes: number[][]): AdamState {
  return { params: toTensors(s.params, shapes), m: toTensors(s.m, shapes), v: toTensors(s.v, shapes), t: s.t };
}

async function fromAdam(s: AdamState): Promise<EganStateData["d"]> {
  const read = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => new Float32Array((await t.data()) as Float32Array)));
  const [params, m, v] = await Promise.all([read(s.params), read(s.m), read(s.v)]);
  return { params, m, v, t: s.t };
}
