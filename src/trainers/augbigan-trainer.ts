// Augmented BiGAN (Kumar, Sattigeri & Fletcher 2017) trained as an E-GAN member, for
// semi-supervised learning. The generator side is G and E together, as in BigBiGAN's trainer;
// D is the joint N-class classifier (src/models/image/augbigan.ts; the losses are in
// src/losses/augbigan-losses.ts). One iteration:
//   1. one child per mutation: one joint Adam step of G and E (E at G's hyperparameters) on the
//      side's loss: feature matching, or a score mutation with E's BiGAN term, plus the third
//      pair's term when it is on (adversarial, or D's features matched pair by pair);
//   2. children are scored on the evaluation batch: Fq = mean σ(s(G(z), z)),
//      Fd = −log ‖∇_θD L_unsup‖ on that child's pairs; the best survives (μ = 1: D's real pairs
//      need one encoder);
//   3. D takes n_D steps of L_sup + w·L_unsup (plus the invariance penalty when on) on fresh
//      batches: a labelled batch drawn with replacement from the L labelled images, unlabelled
//      real images, the survivor's fakes and (third pair) its reconstructions, all as pairs with
//      their codes; D's Gaussian noise layers on;
//   4. the EMA copy of G follows the survivor.
// With one mutation (a plain run) 2. is skipped: Fq comes from D's first step, Fd is not computed.
// Feature matching reads D with its noise on (Salimans et al.'s code); the score losses, the third
// pair's terms and the fitness read it without. Codes paired with images in D's step are E's, held constant there.
// D is the classifier the run is for: `accuracy` labels x by argmax l(x, E(x)).
// Every draw comes from the trainer's ImageDraws, so a checkpoint carries them.
import * as tf from "@tensorflow/tfjs";
import type { GLoss } from "../../strategies/egan.ts";
import type { ThirdPairLoss, TrainerConfig } from "../config/run-config.ts";
import { gatherBatch, type ImageData } from "../data/image-data.ts";
import { augbiganDLoss, encoderLoss, invariancePenalty, pairedFeatureLoss, reconstructionPairLoss, unitRows } from "../losses/augbigan-losses.ts";
import { generatorLoss } from "../losses/gan-losses.ts";
import { featureMatchingLoss, unsupervisedDLoss, unsupervisedScore } from "../losses/semi-losses.ts";
import type { AugbiganModel } from "../models/image/augbigan.ts";
import { classifierAccuracy, type ClassifierOutputs } from "../models/image/mlp-classifier.ts";
import { trainableNames, type Params } from "../models/image/params.ts";
import type { Rng } from "../util/rng.ts";
import { scoped } from "../util/scoped.ts";
import { EncoderGanTrainer, type EncoderGanState, type EncoderSide } from "./encoder-gan-trainer.ts";
import { mapImages, sampleImages, type SampledImages, type SampleOptions } from "./image-sampling.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamStep, type NamedAdam } from "./named-adam.ts";
import { gradsOf, valueAndGradsOf } from "./named-grads.ts";
import { nanIfAnyNaN } from "./plain-fitness.ts";
import type { TrainerRecord } from "./trainer.ts";

/** The manifold-invariance penalty's steps: in code space to find a tangent, in pixel space (images span [−1, 1]) to difference D's logits along it. */
const TANGENT_STEP = 0.1;
const INVARIANCE_STEP = 0.05;

/**
 * The augmented BiGAN trainer's options: the run config's trainer fields (src/config/run-config.ts
 * says what each means) and the model's, plus what only exists at run time: the model, the
 * unlabelled (`data`) and labelled training images and the member's seed.
 */
export type AugbiganOptions = Pick<TrainerConfig, "gamma" | "nD" | "batchSize" | "evalBatchSize" | "g" | "d"> &
  Partial<Pick<TrainerConfig, "ema" | "selection">> & {
    /** Feature matching and E-GAN's score losses (rsgan aside: the config refuses it). */
    readonly mutations: readonly GLoss[];
    readonly model: AugbiganModel;
    readonly data: ImageData;
    readonly labelled: ImageData;
    /** w in D's loss L_sup + w·L_unsup. */
    readonly unlabelledWeight: number;
    /** D calls the reconstruction pairs (G(E(x)), E(x)) fake, and G and E make them look real. */
    readonly thirdPair: boolean;
    /** G's and E's term for the third pair: adversarial (−log D) or D's features matched pair by pair. */
    readonly thirdPairLoss: ThirdPairLoss;
    /** Weight of the third pair's term in G's and E's loss. */
    readonly thirdPairWeight: number;
    /** E's learning rate as a multiple of G's. */
    readonly eLrScale: number;
    /** Weight of the manifold-invariance penalty in D's loss (0: off). */
    readonly invariance: number;
    readonly seed: number;
  };

/** The same fields as BigBiGAN's state: G, E and D with their Adam moments, the draws and the EMA. */
export type AugbiganState = EncoderGanState;

type Side = EncoderSide;

const s = (o: ClassifierOutputs): tf.Tensor1D => unsupervisedScore(o.logits);

export class AugbiganTrainer extends EncoderGanTrainer {
  constructor(
    readonly o: AugbiganOptions,
    state?: AugbiganState,
  ) {
    super(o, state);
  }

  /** The generator side's loss for `mutation` (see augbigan-losses.ts), G's and E's weights in `w`. */
  private sideLoss(mutation: GLoss, w: Params, x: tf.Tensor4D, z: tf.Tensor2D): tf.Scalar {
    const { model } = this.o;
    const D = this.d.p;
    const code = model.encode(w, x);
    const fm = mutation === "feature-matching";
    const noise = fm ? this.draws.noise : undefined;
    const real = model.classify(D, x, code, noise);
    const fake = model.classify(D, model.gen.generate(w, z), z, noise);
    const adversarial = fm ? featureMatchingLoss(real.features, fake.features) : (tf.add(encoderLoss(real.logits), generatorLoss(mutation, s(fake))) as tf.Scalar);
    if (!this.o.thirdPair) return adversarial;
    return tf.add(adversarial, tf.mul(this.thirdPairTerm(w, x, code), this.o.thirdPairWeight)) as tf.Scalar;
  }

  /** The third pair's term for G and E (augbigan-losses.ts), D read without its noise. */
  private thirdPairTerm(w: Params, x: tf.Tensor4D, code: tf.Tensor2D): tf.Scalar {
    const { model } = this.o;
    const recon = model.gen.generate(w, code);
    if (this.o.thirdPairLoss === "adversarial") return reconstructionPairLoss(model.classify(this.d.p, recon, code).logits);
    const { features } = model.classify(this.d.p, tf.concat([x, recon]) as tf.Tensor4D, tf.concat([code, code]) as tf.Tensor2D);
    const [real, fake] = tf.split(features, 2) as tf.Tensor2D[];
    return pairedFeatureLoss(real, fake);
  }

  step(): Promise<TrainerRecord | undefined> {
    const { mutations, batchSize: B } = this.o;
    const parent = this.side;
    const gCount = trainableNames(parent.g.p).length;
    const x = this.draws.real(B).x;
    const z = this.draws.z(B);
    const children: Side[] = mutations.map((mutation) =>
      scoped(() => {
        const grads = gradsOf({ ...parent.g.p, ...parent.e.p }, (w) => this.sideLoss(mutation, w, x, z));
        const g = namedAdamStep(parent.g, grads.slice(0, gCount), this.o.g);
        const e = namedAdamStep(parent.e, grads.slice(gCount), { ...this.o.g, lr: this.o.g.lr * this.o.eLrScale });
        return { g: keepNamedAdam(g), e: keepNamedAdam(e) };
      }),
    );
    tf.dispose([x, z]);
    return children.length === 1 ? this.finishPlain(children[0]) : this.finishEgan(children);
  }

  /** E-GAN's 2.–4.: fitness on the evaluation batch, the best child, D's steps, the EMA. */
  private async finishEgan(children: Side[]): Promise<TrainerRecord | undefined> {
    const { model, mutations, evalBatchSize: E } = this.o;
    const D = this.d;
    const xe = this.draws.real(E).x;
    const ze = this.draws.z(E);
    const Fq: tf.Tensor[] = [];
    const sq: tf.Tensor[] = [];
    for (const c of children) {
      tf.tidy(() => {
        const code = model.encode(c.e.p, xe);
        const fakeX = model.gen.generate(c.g.p, ze);
        const grads = gradsOf(D.p, (d) => {
          const fake = model.classify(d, fakeX, ze).logits;
          Fq.push(tf.keep(tf.mean(tf.sigmoid(unsupervisedScore(fake)))));
          return unsupervisedDLoss(model.classify(d, xe, code).logits, fake);
        });
        sq.push(tf.keep(tf.addN(grads.map((t) => tf.sum(tf.square(t))))));
      });
    }
    tf.dispose([xe, ze]);
    return this.selectAndTrainD(children, Fq, sq);
  }

  /** n_D steps of D against `side`'s pairs; with `score`, also D's mean σ of the first step's fake pairs before it moves. */
  protected trainD(side: Side, score: boolean): { d: NamedAdam; loss: tf.Scalar; fq?: tf.Scalar } {
    const { model, labelled, batchSize: B, thirdPair, invariance } = this.o;
    const { height, width, channels } = labelled;
    let d = this.d;
    let loss: tf.Scalar | undefined;
    let fq: tf.Scalar | undefined;
    for (let step = 0; step < this.o.nD; step++) {
      const lab = gatherBatch(labelled, this.draws.indices(B, labelled.count));
      const xr = this.draws.real(B).x;
      const zf = this.draws.z(B);
      const v = invariance > 0 ? this.draws.normal(B, model.zDim) : undefined;
      const next = scoped(() => {
        const xl = tf.tensor4d(lab.images, [B, height, width, channels]);
        const codeL = model.encode(side.e.p, xl);
        const codeR = model.encode(side.e.p, xr);
        const fakeX = model.gen.generate(side.g.p, zf);
        const recon = thirdPair ? model.gen.generate(side.g.p, codeR) : undefined;
        // Unit tangents at x: where G's image moves as its code moves from E(x) along v.
        const tangents = v && unitRows(tf.sub(model.gen.generate(side.g.p, tf.add(codeR, tf.mul(v, TANGENT_STEP)) as tf.Tensor2D), recon ?? model.gen.generate(side.g.p, codeR)) as tf.Tensor4D);
        const xs = [xl, xr, fakeX, ...(recon ? [recon] : [])];
        const zs = [codeL, codeR, zf, ...(recon ? [codeR] : [])];
        let sFake: tf.Scalar | undefined;
        const { value, grads } = valueAndGradsOf(d.p, (w) => {
          const { logits } = model.classify(w, tf.concat(xs) as tf.Tensor4D, tf.concat(zs) as tf.Tensor2D, this.draws.noise);
          const [labelledLogits, realLogits, fakeLogits, reconLogits] = tf.split(logits, xs.map((t) => t.shape[0])) as tf.Tensor2D[];
          if (score && step === 0) sFake = tf.keep(nanIfAnyNaN(tf.mean(tf.sigmoid(unsupervisedScore(fakeLogits))) as tf.Scalar, fakeX));
          const l = augbiganDLoss({ labelledLogits, labels: tf.tensor1d(lab.labels, "int32"), realLogits, fakeLogits, reconLogits }, this.o.unlabelledWeight).loss;
          if (!tangents) return l;
          return tf.add(l, tf.mul(invariancePenalty((x) => model.classify(w, x, codeR).logits, xr, tangents, INVARIANCE_STEP), invariance)) as tf.Scalar;
        });
        return { d: keepNamedAdam(namedAdamStep(d, grads, this.o.d)), loss: tf.keep(value), sFake };
      });
      tf.dispose([xr, zf, ...(v ? [v] : [])]);
      if (d !== this.d) disposeNamedAdam(d);
      loss?.dispose();
      d = next.d;
      loss = next.loss;
      fq ??= next.sFake;
    }
    return { d, loss: loss!, fq };
  }

  sample(n: number, rng: Rng, opts: SampleOptions = {}): Promise<SampledImages> {
    const g = this.generatorWeights(opts.ema);
    const { gen, zDim, shape } = this.o.model;
    return sampleImages({ zDim, shape, numClasses: 0, generate: (p, z) => gen.generate(p, z) }, g, n, rng, opts, this.o.batchSize);
  }

  /** G(E(x)) for n images x (NHWC, [−1, 1]), in batches like sampling; the EMA generator unless `ema` is false. */
  reconstruct(images: Float32Array, n: number, opts: { ema?: boolean } = {}): Promise<Float32Array> {
    const { model } = this.o;
    const g = this.generatorWeights(opts.ema);
    return mapImages((x) => model.gen.generate(g, model.encode(this.side.e.p, x)), model.shape, images, n, this.o.batchSize);
  }

  /** Mean |x − G(E(x))| per pixel over the first n images of `data`, on the [0, 1] scale (translation error's units). */
  async reconstructionError(data: ImageData, n = data.count): Promise<number> {
    const count = Math.min(n, data.count);
    const per = data.height * data.width * data.channels;
    const r = await this.reconstruct(data.images, count);
    let sum = 0;
    for (let i = 0; i < count * per; i++) sum += Math.abs(r[i] - data.images[i]);
    return count === 0 ? NaN : sum / (count * per) / 2;
  }

  /** The fraction of `data` D's classifier labels right: argmax l(x, E(x)), no noise. */
  accuracy(data: ImageData): Promise<number> {
    const { model } = this.o;
    return classifierAccuracy((x) => model.classify(this.d.p, x, model.encode(this.side.e.p, x)).logits, data);
  }
}
