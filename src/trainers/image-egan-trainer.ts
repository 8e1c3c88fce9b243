// E-GAN on images (DCGAN, BigGAN; PGGAN through pggan-trainer.ts): μ generators share one
// discriminator, as in the toy trainer (src/trainers/egan-trainer.ts), but over named parameters
// with tfjs autodiff.
// One iteration:
//   1. every parent makes one child per mutation: one Adam step of G on that generator loss
//      (plus β·orthogonal regularization when configured), from the parent's weights and Adam
//      state; G's spectral-norm vectors advance with the step;
//   2. every child is scored on the evaluation batch: Fq = mean σ(D(G(z))),
//      Fd = −log ‖∇_θD L_D(real, G(z))‖ with the member's D loss (cross-entropy or hinge; under
//      WGAN-GP its Wasserstein part E[D(x̃)] − E[D(x)]: fdRealTerm says why). A WGAN critic's raw
//      score is not a logit, but σ is increasing, so Fq still ranks children against one D;
//   3. the best μ children survive (strategies/egan: by F, or on the Pareto front of (Fq, Fd)),
//      and D takes n_D steps on fresh real batches against the survivors' samples (the first
//      step reuses their evaluation samples);
//   4. the EMA copy of G (when configured) follows the best survivor.
// A plain run (one mutation, μ = 1) skips 2.: its Fq comes from D's first step, Fd is not computed.
// With `evolveEvery` = k > 1, only every k-th iteration evolves (strategies/egan evolvesAt); in
// between each parent makes one child with its lineage's loss, all of them survive, and with μ = 1
// the iteration is a plain one.
// One device read per iteration: the children's scores, with the previous iteration's D loss.
import * as tf from "@tensorflow/tfjs";
import { isScoreMutation, lossesToTry, needsRealScores, survivorsOf, type GLoss } from "../../strategies/egan.ts";
import type { DLossKind, TrainerConfig } from "../config/run-config.ts";
import type { ImageData } from "../data/image-dataset.ts";
import { dLoss, dLossFake, dLossReal, generatorLoss } from "../losses/gan-losses.ts";
import { DRIFT, gradientPenalty, interpolate, wganCriticLoss } from "../losses/gradient-penalty.ts";
import { weightsEma, type EmaOptions, type WeightsEma } from "./weights-ema.ts";
export type { EmaOptions };
import type { ImageGanModel } from "../models/image/image-model.ts";
import { orthogonalRegularization } from "../models/image/orthogonal.ts";
import { disposeParams, filledLike, ParamInit, readParamData, type ParamData, type Params, type Updates } from "../models/image/params.ts";
import { keepUpdates } from "../models/image/spectral-norm.ts";
import { Rng } from "../util/rng.ts";
import { scoped } from "../util/scoped.ts";
import { finishPlainIteration, nanIfAnyNaN } from "./plain-fitness.ts";
import { TrainingDiverged, type Trainer, type TrainerRecord } from "./trainer.ts";
import { sampleImages, type SampledImages, type SampleOptions } from "./image-sampling.ts";
import { childRecords, LaggedRecord } from "./lagged-record.ts";
import { checkImageShape, ImageDraws, type ImageDrawsState } from "./image-draws.ts";
import { gradsOf, valueAndGradsOf } from "./named-grads.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamFromData, namedAdamInit, namedAdamStep, namedAdamToData, type NamedAdam, type NamedAdamData } from "./named-adam.ts";

/**
 * The image trainer's options: the run config's trainer fields (src/config/run-config.ts says
 * what each means; no EMA when `ema` is left out, evolution every iteration without
 * `evolveEvery`, selection by F without `selection`), plus what only exists at run time: the
 * model, the training data and the member's seed.
 */
export type ImageEganOptions = Pick<TrainerConfig, "mutations" | "mu" | "gamma" | "nD" | "dLoss" | "batchSize" | "evalBatchSize" | "g" | "d" | "orthoReg"> &
  Partial<Pick<TrainerConfig, "ema" | "evolveEvery" | "selection">> & {
    readonly model: ImageGanModel;
    readonly data: ImageData;
    readonly seed: number;
    /** An EMA of D's weights, following D after every iteration (the semi-supervised classifier's; sgan-trainer.ts). */
    readonly dEma?: EmaOptions;
  };

export interface ImageEganState {
  readonly it: number;
  readonly draws: ImageDrawsState;
  readonly parents: NamedAdamData[];
  readonly d: NamedAdamData;
  readonly ema?: ParamData;
  readonly dEma?: ParamData;
  /** Each parent's loss: the mutation its lineage was last selected with (absent before evolve-every-k: the next iteration evolves). */
  readonly losses?: GLoss[];
}

/** What G's losses read besides its own images, drawn once per parent: D's scores of real images (rsgan). */
export interface GLossContext {
  readonly realScores?: tf.Tensor;
}

/**
 * The real term of D's loss for E-GAN's Fd. Under WGAN-GP, Fd is taken from the Wasserstein part
 * alone (−E[D(x)] here, E[D(x̃)] in fdFakeTerm), without the gradient penalty or the drift term:
 * the penalty's gradient would cost a double backprop per child on top of the training step's,
 * and the Wasserstein part is the adversarial objective whose gradient Fd is meant to measure
 * (the penalty only keeps D 1-Lipschitz; it differs between children only in where x̂ falls).
 */
function fdRealTerm(kind: DLossKind, scores: tf.Tensor): tf.Scalar {
  return kind === "wgan-gp" ? (tf.neg(tf.mean(scores)) as tf.Scalar) : dLossReal(kind, scores);
}

/** The fake term of D's loss for E-GAN's Fd (the Wasserstein part's under WGAN-GP: fdRealTerm says why). */
function fdFakeTerm(kind: DLossKind, scores: tf.Tensor): tf.Scalar {
  return kind === "wgan-gp" ? (tf.mean(scores) as tf.Scalar) : dLossFake(kind, scores);
}

export class ImageEganTrainer implements Trainer<ImageEganState> {
  private parents: NamedAdam[];
  protected d: NamedAdam;
  private ema: WeightsEma | undefined;
  protected dEma: WeightsEma | undefined;
  /** Each parent's loss, the mutation its lineage was last selected with (undefined before the first iteration). */
  private losses: (GLoss | undefined)[] = [];
  protected draws: ImageDraws;
  private it = 0;
  private readonly lag = new LaggedRecord();

  constructor(readonly o: ImageEganOptions, state?: ImageEganState) {
    checkImageShape(o.model.shape, o.data);
    if (state) {
      this.it = state.it;
      this.draws = new ImageDraws(o.data, o.model.zDim, o.model.numClasses, o.batchSize, o.seed, state.draws);
      this.parents = state.parents.map(namedAdamFromData);
      this.d = namedAdamFromData(state.d);
      this.losses = state.losses ?? [];
    } else {
      const init = new ParamInit(new Rng(o.seed, 0));
      o.model.initG(init);
      const g0 = init.tensors();
      const dInit = new ParamInit(new Rng(o.seed, 1));
      o.model.initD(dInit);
      this.parents = [namedAdamInit(g0)];
      this.d = namedAdamInit(dInit.tensors());
      this.draws = new ImageDraws(o.data, o.model.zDim, o.model.numClasses, o.batchSize, o.seed);
    }
    this.ema = weightsEma(o.ema, () => this.parents[0].p, state?.ema);
    this.dEma = weightsEma(o.dEma, () => this.d.p, state?.dEma);
  }

  get iteration(): number {
    return this.it;
  }

  /**
   * The model every phase of an iteration (and `sample`) runs: the options' own. A trainer whose
   * model changes with the iteration (PGGAN's growth, pggan-trainer.ts) returns the one it chose
   * at the iteration's start.
   */
  protected get model(): ImageGanModel {
    return this.o.model;
  }

  /**
   * One iteration. A single child with μ = 1 (a plain run, or an iteration between evolutions)
   * is a plain iteration: selection has nothing to choose, so the fitness work (an extra
   * generator pass and D's gradient norm per child) would be paid for nothing.
   */
  step(): Promise<TrainerRecord | undefined> {
    const tried = lossesToTry(this.it, this.o.evolveEvery ?? 1, this.parents.length, this.losses, this.o.mutations);
    const children = this.makeChildren(tried);
    return children.length === 1 && this.o.mu === 1 ? this.finishPlain(children[0], tried[0][0]) : this.finishEgan(children, tried);
  }

  /** 1. Every parent's children: one Adam step of G per loss it tries (plus β·orthogonal regularization). */
  private makeChildren(tried: readonly (readonly GLoss[])[]): NamedAdam[] {
    const { batchSize: B } = this.o;
    const model = this.model;
    const D = this.d;
    const children: NamedAdam[] = [];
    for (const [p, parent] of this.parents.entries()) {
      const z = this.draws.z(B);
      const y = this.draws.labels(B);
      const context = this.gLossContext(D.p, B);
      for (const mutation of tried[p]) {
        children.push(
          scoped(() => {
            const updates: Updates = new Map();
            const grads = gradsOf(parent.p, (g) => {
              const loss = this.gLoss(mutation, D.p, model.generate(g, z, y, updates), y, context);
              keepUpdates(updates);
              if (this.o.orthoReg === 0) return loss;
              const names = model.orthoRegNames(g);
              return names.length === 0 ? loss : (tf.add(loss, orthogonalRegularization(names.map((n) => g[n]), this.o.orthoReg)) as tf.Scalar);
            });
            return keepNamedAdam(namedAdamStep(parent, grads, this.o.g, updates));
          }),
        );
      }
      tf.dispose([z, ...(y ? [y] : []), ...Object.values(context)]);
    }
    return children;
  }

  /** What G's losses need of D beyond the fakes, once per parent: D's scores of a real batch when rsgan is in the set. */
  protected gLossContext(d: Params, n: number): GLossContext {
    return needsRealScores(this.o.mutations) ? { realScores: this.realScores(d, n) } : {};
  }

  /** G's loss `mutation` on its images `fake`: one of E-GAN's losses on D's score. */
  protected gLoss(mutation: GLoss, d: Params, fake: tf.Tensor4D, y: tf.Tensor1D | undefined, context: GLossContext): tf.Scalar {
    if (!isScoreMutation(mutation)) throw new Error(`${mutation} needs D's features, which this model's D does not give`);
    return generatorLoss(mutation, this.model.discriminate(d, fake, y), context.realScores);
  }

  /**
   * D's training loss on a real batch against `fake`, and D's scores of the fakes (read for a
   * plain run's Fq): the member's D loss (cross-entropy or hinge) on D's logits, or WGAN-GP on
   * its raw scores, the penalty's x̂ pairing real i with fake i, one ε ~ U[0, 1] per pair drawn
   * from the trainer's draws (so a checkpoint carries them).
   */
  protected dObjective(w: Params, real: { x: tf.Tensor4D; y: tf.Tensor1D | undefined }, fake: tf.Tensor4D, fakeY: tf.Tensor1D | undefined, updates: Updates): { loss: tf.Scalar; fakeScores: tf.Tensor } {
    const model = this.model;
    const kind = this.o.dLoss;
    if (kind === "wgan-gp") {
      if (model.numClasses > 0) throw new Error("wgan-gp is for unconditional critics (the config allows it for pggan and dcgan only)");
      // E-GAN's D batch may hold fewer fakes than reals (⌊B/μ⌋ from each of μ survivors): pair the first n of each.
      const n = Math.min(real.x.shape[0], fake.shape[0]);
      const eps = tf.tensor1d(this.draws.noise.uniformArray(n, 0, 1));
      const pair = (x: tf.Tensor4D) => (x.shape[0] === n ? x : (tf.slice(x, [0, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D));
      const realScores = model.discriminate(w, real.x, undefined, updates);
      const fakeScores = model.discriminate(w, fake, undefined);
      const penalty = gradientPenalty((x) => model.discriminate(w, x, undefined), interpolate(pair(real.x), pair(fake), eps));
      const loss = tf.addN([wganCriticLoss(realScores, fakeScores), penalty, tf.mul(tf.mean(tf.square(realScores)), DRIFT)]) as tf.Scalar;
      return { loss, fakeScores };
    }
    const realLogits = model.discriminate(w, real.x, real.y, updates);
    const fakeLogits = model.discriminate(w, fake, fakeY);
    return { loss: dLoss(kind, realLogits, fakeLogits), fakeScores: fakeLogits };
  }

  /**
   * The plain iteration's end: D's steps against the one child, whose Fq = mean σ(D(G(z))) comes
   * from D's first step (its scores of the fakes before it moves): no work beyond training.
   * Fd is not computed (NaN in the record) and F = Fq; a NaN Fq still means divergence.
   */
  private finishPlain(child: NamedAdam, mutation: GLoss): Promise<TrainerRecord | undefined> {
    const { d, loss, fq } = this.trainD([child], undefined);
    this.it++;
    return finishPlainIteration(this.lag, this.it, mutation, fq!, loss, {
      discard: () => (disposeNamedAdam(child), disposeNamedAdam(d)),
      adopt: () => ((this.losses = [mutation]), this.adopt([child], d)),
    });
  }

  /** 2.–4. of E-GAN: fitness on the evaluation batch, selection, D's steps, the EMA. */
  private async finishEgan(children: NamedAdam[], tried: readonly (readonly GLoss[])[]): Promise<TrainerRecord | undefined> {
    const { evalBatchSize: E, mu } = this.o;
    const model = this.model;
    const D = this.d;
    // 2. fitness on the evaluation batch
    const real = this.draws.real(E);
    const zEval = this.draws.z(E);
    const yEval = this.draws.labels(E);
    const fakes = children.map((c) => tf.tidy(() => model.generate(c.p, zEval, yEval)));
    // ∇_θD L_D = ∇(real term) + ∇(fake term): the real term is the same for every child, so it
    // is computed once; Fq comes from the fake term's own forward pass.
    const realGrads = scoped(() => gradsOf(D.p, (d) => fdRealTerm(this.o.dLoss, model.discriminate(d, real.x, real.y))).map((g) => tf.keep(g)));
    const parts: tf.Tensor[] = [];
    const sq: tf.Tensor[] = [];
    for (const x of fakes) {
      tf.tidy(() => {
        const g = gradsOf(D.p, (d) => {
          const logits = model.discriminate(d, x, yEval);
          parts.push(tf.keep(tf.mean(tf.sigmoid(logits))));
          return fdFakeTerm(this.o.dLoss, logits);
        });
        sq.push(tf.keep(tf.addN(g.map((t, i) => tf.sum(tf.square(tf.add(t, realGrads[i])))))));
      });
    }
    tf.dispose(realGrads);
    const read = tf.tidy(() => tf.stack([...parts, ...sq]) as tf.Tensor1D);
    const values = await this.lag.read(read);
    tf.dispose([read, ...parts, ...sq]);
    const records = childRecords(values, tried, this.o.gamma);
    const survivors = survivorsOf(records, mu, this.o.selection);
    this.it++;
    const drop = () => tf.dispose([real.x, ...(real.y ? [real.y] : []), zEval, ...(yEval ? [yEval] : []), ...fakes]);
    if (survivors.length === 0) {
      drop();
      children.forEach(disposeNamedAdam);
      throw new TrainingDiverged(this.it);
    }
    // 3. D steps against the survivors (the first on their evaluation samples)
    const { d, loss } = this.trainD(
      survivors.map((s) => children[s]),
      { x: survivors.map((s) => fakes[s]), y: yEval },
    );
    drop();
    this.losses = survivors.map((s) => records[s].mutation as GLoss);
    this.adopt(
      survivors.map((s) => children[s]),
      d,
    );
    children.forEach((c, i) => survivors.includes(i) || disposeNamedAdam(c));
    this.lag.hold({ it: this.it, children: records, survivors, dLoss: NaN }, loss);
    return this.lag.take();
  }

  /**
   * n_D steps of D on fresh real batches against an equal share of fakes from each survivor:
   * the first step's fakes from `first` (the survivors' evaluation samples) when given, else
   * drawn fresh. Without `first`, also D's mean σ score of the first step's fakes before the step.
   */
  private trainD(survivors: readonly NamedAdam[], first: { x: tf.Tensor4D[]; y: tf.Tensor1D | undefined } | undefined): { d: NamedAdam; loss: tf.Scalar; fq?: tf.Scalar } {
    const { batchSize: B } = this.o;
    const model = this.model;
    const q = Math.max(1, Math.floor(B / survivors.length));
    let d = this.d;
    let loss: tf.Scalar | undefined;
    let fq: tf.Scalar | undefined;
    for (let step = 0; step < this.o.nD; step++) {
      const r = this.draws.real(B);
      const reuse = step === 0 && first !== undefined;
      const fz = reuse ? undefined : this.draws.z(q * survivors.length);
      const fy = reuse ? undefined : this.draws.labels(q * survivors.length);
      const next = scoped(() => {
        const xs: tf.Tensor[] = [];
        const ys: tf.Tensor[] = [];
        survivors.forEach((s, i) => {
          if (reuse) {
            const n = Math.min(q, first.x[i].shape[0]);
            xs.push(tf.slice(first.x[i], [0, 0, 0, 0], [n, -1, -1, -1]));
            if (first.y) ys.push(tf.slice(first.y, [0], [n]));
          } else {
            xs.push(model.generate(s.p, tf.slice(fz!, [i * q, 0], [q, -1]), fy ? tf.slice(fy, [i * q], [q]) : undefined));
            if (fy) ys.push(tf.slice(fy, [i * q], [q]));
          }
        });
        const fake = tf.concat(xs) as tf.Tensor4D;
        const fakeY = ys.length > 0 ? (tf.concat(ys) as tf.Tensor1D) : undefined;
        const updates: Updates = new Map();
        let score: tf.Scalar | undefined;
        const { value, grads } = valueAndGradsOf(d.p, (w) => {
          const { loss: l, fakeScores } = this.dObjective(w, r, fake, fakeY, updates);
          if (step === 0 && first === undefined) score = tf.keep(nanIfAnyNaN(tf.mean(tf.sigmoid(fakeScores)) as tf.Scalar, fake));
          keepUpdates(updates);
          return l;
        });
        return { d: keepNamedAdam(namedAdamStep(d, grads, this.o.d, updates)), loss: tf.keep(value), score };
      });
      tf.dispose([r.x, ...(r.y ? [r.y] : []), ...(fz ? [fz] : []), ...(fy ? [fy] : [])]);
      if (d !== this.d) disposeNamedAdam(d);
      loss?.dispose();
      d = next.d;
      loss = next.loss;
      fq ??= next.score;
    }
    return { d, loss: loss!, fq };
  }

  /** The survivors become the parents and `d` the discriminator; the EMA follows the best (4.), D's EMA follows `d`. */
  private adopt(survivors: NamedAdam[], d: NamedAdam): void {
    disposeNamedAdam(this.d);
    this.d = d;
    this.parents.forEach(disposeNamedAdam);
    this.parents = survivors;
    this.ema?.follow(this.parents[0].p, this.it);
    this.dEma?.follow(this.d.p, this.it);
  }

  /** D's scores of n fresh real images (constants for G). */
  private realScores(d: Params, n: number): tf.Tensor {
    const r = this.draws.real(n);
    const scores = tf.tidy(() => this.model.discriminate(d, r.x, r.y));
    tf.dispose([r.x, ...(r.y ? [r.y] : [])]);
    return scores;
  }

  flush(): Promise<TrainerRecord | undefined> {
    return this.lag.flush();
  }

  /** n images (NHWC, [−1, 1]) from the best survivor (or its EMA copy), drawn with `rng`. */
  sample(n: number, rng: Rng, opts: SampleOptions = {}): Promise<SampledImages> {
    const g = opts.ema !== false && this.ema ? this.ema.weights : this.parents[0].p;
    return sampleImages(this.model, g, n, rng, opts, this.o.batchSize);
  }

  corruptGenerators(): void {
    this.parents = this.parents.map((s) => {
      const p = filledLike(s.p, NaN);
      disposeParams(s.p);
      return { ...s, p };
    });
  }

  async exportState(): Promise<ImageEganState> {
    if (!this.lag.empty) throw new Error("exportState before flush: the last record is incomplete");
    const [parents, d, ema, dEma] = await Promise.all([
      Promise.all(this.parents.map(namedAdamToData)),
      namedAdamToData(this.d),
      this.ema ? readParamData(this.ema.weights) : undefined,
      this.dEma ? readParamData(this.dEma.weights) : undefined,
    ]);
    return { it: this.it, draws: this.draws.state(), parents, d, ema, ...(dEma ? { dEma } : {}), ...(this.losses.length > 0 ? { losses: this.losses as GLoss[] } : {}) };
  }

  dispose(): void {
    this.parents.forEach(disposeNamedAdam);
    disposeNamedAdam(this.d);
    this.ema?.dispose();
    this.dEma?.dispose();
    this.lag.dispose();
  }
}
