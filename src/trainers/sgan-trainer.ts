// SGAN (Odena 2016) in Salimans et al. 2016's form, trained as an E-GAN member: the image E-GAN
// trainer's iteration (src/trainers/image-egan-trainer.ts) with three of its parts replaced.
//   - D's step minimises L_sup + w·L_unsup (src/losses/semi-losses.ts): cross-entropy over the N
//     classes on a labelled batch (drawn with replacement from the L labelled images), and the
//     binary cross-entropy on the score s = logsumexp of the logits for a batch of unlabelled real
//     images against the survivors' fakes. D's Gaussian noise layers are on (sgan.ts).
//   - "feature-matching" is one more mutation: ‖E f(x) − E f(G(z))‖² on D's feature layer f, with
//     the real features drawn once per parent and D's noise on, as in Salimans et al.'s code.
//   - E-GAN's other mutations, and the fitness F = Fq + γ·Fd of every child, read D's score s
//     without noise: D(x) = σ(s), so they are the same functions of s as of a binary D's logit.
// D is the classifier the run is for: `accuracy` is the fraction of a labelled set it gets right.
// Every random draw (batches, labelled indices, noise) comes from the trainer's ImageDraws, so a
// checkpoint carries them and a resumed run continues exactly.
import * as tf from "@tensorflow/tfjs";
import type { GLoss } from "../../strategies/egan.ts";
import { gatherBatch, type ImageData } from "../data/image-data.ts";
import { featureMatchingLoss, sganDLoss, unsupervisedScore } from "../losses/semi-losses.ts";
import type { Params, Updates } from "../models/image/params.ts";
import { classifierAccuracy } from "../models/image/mlp-classifier.ts";
import { classifyStacked, type SganModel } from "../models/image/sgan.ts";
import { ImageEganTrainer, type GLossContext, type ImageEganOptions, type ImageEganState } from "./image-egan-trainer.ts";

export type SganOptions = ImageEganOptions & {
  readonly model: SganModel;
  /** The unlabelled training images (`data`) come with the labelled ones. */
  readonly labelled: ImageData;
  /** w in D's loss L_sup + w·L_unsup. */
  readonly unlabelledWeight: number;
};

interface SganGLossContext extends GLossContext {
  /** D's features of a real batch (feature matching's E f(x)). */
  readonly realFeatures?: tf.Tensor2D;
}

export class SganTrainer extends ImageEganTrainer {
  constructor(
    readonly semi: SganOptions,
    state?: ImageEganState,
  ) {
    super(semi, state);
  }

  protected override gLossContext(d: Params, n: number): SganGLossContext {
    const base = super.gLossContext(d, n);
    if (!this.o.mutations.includes("feature-matching")) return base;
    const real = this.draws.real(n);
    const realFeatures = tf.tidy(() => this.semi.model.classify(d, real.x, this.draws.noise).features);
    tf.dispose([real.x, ...(real.y ? [real.y] : [])]);
    return { ...base, realFeatures };
  }

  protected override gLoss(mutation: GLoss, d: Params, fake: tf.Tensor4D, y: tf.Tensor1D | undefined, context: SganGLossContext): tf.Scalar {
    if (mutation !== "feature-matching") return super.gLoss(mutation, d, fake, y, context);
    return featureMatchingLoss(context.realFeatures!, this.semi.model.classify(d, fake, this.draws.noise).features);
  }

  protected override dObjective(w: Params, real: { x: tf.Tensor4D; y: tf.Tensor1D | undefined }, fake: tf.Tensor4D): { loss: tf.Scalar; fakeScores: tf.Tensor } {
    const { model, labelled, batchSize } = this.semi;
    const batch = gatherBatch(labelled, this.draws.indices(batchSize, labelled.count));
    const { height, width, channels } = labelled;
    const labelledX = tf.tensor4d(batch.images, [batchSize, height, width, channels]);
    const [labelledLogits, realLogits, fakeLogits] = classifyStacked(model, w, [labelledX, real.x, fake], this.draws.noise);
    const { loss } = sganDLoss({ labelledLogits, labels: tf.tensor1d(batch.labels, "int32"), realLogits, fakeLogits }, this.semi.unlabelledWeight);
    return { loss, fakeScores: unsupervisedScore(fakeLogits) };
  }

  /** The fraction of `data` D's classifier labels right (no noise): D's EMA when there is one, unless `ema` is false. */
  accuracy(data: ImageData, opts: { ema?: boolean } = {}): Promise<number> {
    const d = opts.ema !== false && this.dEma ? this.dEma.weights : this.d.p;
    return classifierAccuracy((x) => this.semi.model.classify(d, x).logits, data);
  }
}
