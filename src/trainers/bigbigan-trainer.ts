// BigBiGAN training as an E-GAN member. The generator side is G and the encoder E together;
// the discriminator scores pairs: real (x, E(x)) against fake (G(z), z) (src/losses/bigbigan-losses.ts).
// One iteration:
//   1. one child per mutation: one joint Adam step of G and E (E at `eLrScale` × G's learning
//      rate, the paper's 10×) on  E_real[Σ s] + ℓ_m(Σ s_fake),  where Σ s = s_x + s_z + s_xz over
//      the active terms and ℓ_m is the mutation's generator loss on that total score; with the
//      "hinge" mutation (ℓ = −E[t]) this is exactly L_EG. Orthogonal regularization on G if set.
//   2. children are scored on the evaluation batch: Fq = mean σ(Σ s_fake), Fd = −log ‖∇_θD L_D‖;
//      the best child survives (μ = 1: D's real pairs need one encoder);
//   3. D takes n_D hinge steps on fresh batches against the survivor's pairs;
//   4. the EMA copy of G follows the survivor.
// With one mutation (a plain run) 2. is skipped: Fq comes from D's first step, Fd is not computed.
import * as tf from "@tensorflow/tfjs";
import type { Mutation } from "../../strategies/egan.ts";
import type { BigbiganModelConfig, TrainerConfig } from "../config/run-config.ts";
import type { ImageData } from "../data/image-dataset.ts";
import { bigbiganDLoss, type BiScores, type BiTerms } from "../losses/bigbigan-losses.ts";
import { generatorLoss } from "../losses/gan-losses.ts";
import type { BigbiganModel } from "../models/image/bigbigan.ts";
import { orthogonalRegularization } from "../models/image/orthogonal.ts";
import { trainableNames, type Params, type Updates } from "../models/image/params.ts";
import { keepUpdates } from "../models/image/spectral-norm.ts";
import type { Rng } from "../util/rng.ts";
import { scoped } from "../util/scoped.ts";
import { EncoderGanTrainer, type EncoderGanState, type EncoderSide } from "./encoder-gan-trainer.ts";
import { nanIfAnyNaN } from "./plain-fitness.ts";
import type { TrainerRecord } from "./trainer.ts";
import { valueAndGradsOf } from "./named-grads.ts";
import { mapImages, sampleImages, type SampledImages, type SampleOptions } from "./image-sampling.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamStep, type NamedAdam } from "./named-adam.ts";
/**
 * The BigBiGAN trainer's options: the run config's trainer fields and the BigBiGAN model's
 * encoder fields (src/config/run-config.ts says what each means; no EMA when `ema` is left out),
 * plus what only exists at run time: the model, the training data and the member's seed.
 * `eLrScale` is the config's `encoderLrScale`; `terms` its `unaryX` and `unaryZ` as the losses
 * name them.
 */
export type BigbiganOptions = Pick<TrainerConfig, "gamma" | "nD" | "batchSize" | "evalBatchSize" | "g" | "d" | "orthoReg"> &
  Partial<Pick<TrainerConfig, "ema" | "selection">> &
  Pick<BigbiganModelConfig, "stochasticEncoder"> & {
    /** The config's mutations, all of them losses on D's score (BigBiGAN's D gives no features). */
    readonly mutations: readonly Mutation[];
    readonly model: BigbiganModel;
    readonly data: ImageData;
    readonly eLrScale: BigbiganModelConfig["encoderLrScale"];
    readonly terms: BiTerms;
    readonly seed: number;
  };

export type BigbiganState = EncoderGanState;

type Side = EncoderSide;

const total = (s: BiScores, terms: BiTerms): tf.Tensor1D =>
  tf.addN([s.sxz, ...(terms.sx ? [s.sx] : []), ...(terms.sz ? [s.sz] : [])]) as tf.Tensor1D;

export class BigbiganTrainer extends EncoderGanTrainer {
  constructor(
    readonly o: BigbiganOptions,
    state?: BigbiganState,
  ) {
    super(o, state);
  }

  private eps(n: number): tf.Tensor2D | undefined {
    return this.o.stochasticEncoder ? this.draws.normal(n, this.o.model.zDim) : undefined;
  }

  /** D's scores of real pairs (x, E(x)) and fake pairs (G(z), z). */
  private pairs(g: Params, e: Params, d: Params, x: tf.Tensor4D, eps: tf.Tensor2D | undefined, z: tf.Tensor2D, gUpdates?: Updates, eUpdates?: Updates, dUpdates?: Updates) {
    const { model } = this.o;
    const real = model.scores(d, x, model.encode(e, x, eps, eUpdates), dUpdates);
    const fake = model.scores(d, model.gen.generate(g, z, undefined, gUpdates), z);
    return { real, fake };
  }

  step(): Promise<TrainerRecord | undefined> {
    const { model, mutations, batchSize: B, evalBatchSize: E, terms } = this.o;
    const D = this.d;
    const parent = this.side;
    const gNames = trainableNames(parent.g.p);
    const eHyper = { ...this.o.g, lr: this.o.g.lr * this.o.eLrScale };
    // 1. children: one joint G+E step per mutation, on common draws.
    const x = this.draws.real(B).x;
    const z = this.draws.z(B);
    const eps = this.eps(B);
    const children: Side[] = mutations.map((mutation) =>
      scoped(() => {
        const gUpdates: Updates = new Map();
        const eUpdates: Updates = new Map();
        const joint = { ...parent.g.p, ...parent.e.p };
        const { grads } = valueAndGradsOf(joint, (w) => {
          const { real, fake } = this.pairs(w, w, D.p, x, eps, z, gUpdates, eUpdates);
          let loss = tf.add(tf.mean(total(real, terms)), generatorLoss(mutation, total(fake, terms))) as tf.Scalar;
          keepUpdates(gUpdates);
          keepUpdates(eUpdates);
          const names = this.o.orthoReg > 0 ? model.gen.orthoRegNames(parent.g.p) : [];
          if (names.length > 0) loss = tf.add(loss, orthogonalRegularization(names.map((n) => w[n]), this.o.orthoReg)) as tf.Scalar;
          return loss;
        });
        const g = namedAdamStep(parent.g, grads.slice(0, gNames.length), this.o.g, gUpdates);
        const e = namedAdamStep(parent.e, grads.slice(gNames.length), eHyper, eUpdates);
        return { g: keepNamedAdam(g), e: keepNamedAdam(e) };
      }),
    );
    tf.dispose([x, z, ...(eps ? [eps] : [])]);
    return children.length === 1 ? this.finishPlain(children[0]) : this.finishEgan(children);
  }

  /** E-GAN's 2.–4.: fitness on the evaluation batch, the best child, D's steps, the EMA. */
  private async finishEgan(children: Side[]): Promise<TrainerRecord | undefined> {
    const { model, mutations, evalBatchSize: E, terms } = this.o;
    const D = this.d;
    // 2. fitness on the evaluation batch
    const xe = this.draws.real(E).x;
    const ze = this.draws.z(E);
    const epsE = this.eps(E);
    const Fq: tf.Tensor[] = [];
    const sq: tf.Tensor[] = [];
    for (const c of children) {
      tf.tidy(() => {
        const encoded = model.encode(c.e.p, xe, epsE);
        const fakeX = model.gen.generate(c.g.p, ze, undefined);
        Fq.push(tf.keep(tf.mean(tf.sigmoid(total(model.scores(D.p, fakeX, ze), terms)))));
        const g = valueAndGradsOf(D.p, (d) => bigbiganDLoss(model.scores(d, xe, encoded), model.scores(d, fakeX, ze), terms)).grads;
        sq.push(tf.keep(tf.addN(g.map((t) => tf.sum(tf.square(t))))));
      });
    }
    tf.dispose([xe, ze, ...(epsE ? [epsE] : [])]);
    return this.selectAndTrainD(children, Fq, sq);
  }

  /** n_D hinge steps of D on fresh batches against `side`'s pairs; with `score`, also D's mean σ of the first step's fake pairs before it moves. */
  protected trainD(side: Side, score: boolean): { d: NamedAdam; loss: tf.Scalar; fq?: tf.Scalar } {
    const { model, batchSize: B, terms } = this.o;
    let d = this.d;
    let loss: tf.Scalar | undefined;
    let fq: tf.Scalar | undefined;
    for (let step = 0; step < this.o.nD; step++) {
      const xr = this.draws.real(B).x;
      const zr = this.draws.z(B);
      const er = this.eps(B);
      const next = scoped(() => {
        const encoded = model.encode(side.e.p, xr, er);
        const fakeX = model.gen.generate(side.g.p, zr, undefined);
        const updates: Updates = new Map();
        let s: tf.Scalar | undefined;
        const { value, grads } = valueAndGradsOf(d.p, (w) => {
          const real = model.scores(w, xr, encoded, updates);
          const fake = model.scores(w, fakeX, zr);
          if (score && step === 0) s = tf.keep(nanIfAnyNaN(tf.mean(tf.sigmoid(total(fake, terms))) as tf.Scalar, fakeX));
          const l = bigbiganDLoss(real, fake, terms);
          keepUpdates(updates);
          return l;
        });
        return { d: keepNamedAdam(namedAdamStep(d, grads, this.o.d, updates)), loss: tf.keep(value), s };
      });
      tf.dispose([xr, zr, ...(er ? [er] : [])]);
      if (d !== this.d) disposeNamedAdam(d);
      loss?.dispose();
      d = next.d;
      loss = next.loss;
      fq ??= next.s;
    }
    return { d, loss: loss!, fq };
  }

  sample(n: number, rng: Rng, opts: SampleOptions = {}): Promise<SampledImages> {
    const g = this.generatorWeights(opts.ema);
    return sampleImages(this.o.model.gen, g, n, rng, opts, this.o.batchSize);
  }

  /** G(E(x)) for n images x (NHWC, [−1, 1]), with E's mean (z = μ), in batches like sampling. */
  reconstruct(images: Float32Array, n: number, opts: { ema?: boolean } = {}): Promise<Float32Array> {
    const { model } = this.o;
    const g = this.generatorWeights(opts.ema);
    return mapImages((x) => model.gen.generate(g, model.encode(this.side.e.p, x, undefined), undefined), model.shape, images, n, this.o.batchSize);
  }
}
