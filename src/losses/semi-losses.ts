// Semi-supervised GAN losses (SGAN, Odena 2016) in Salimans et al. 2016's parametrisation
// ("Improved techniques for training GANs", §5), as pure functions of D's class logits.
//
// D outputs N class logits l_1..l_N and the "fake" class's logit is fixed at 0 (softmax is
// unchanged by adding one function to every logit, so one of the N + 1 can be pinned, and
// pinning "fake" leaves D an ordinary N-class classifier). With Z(x) = Σ_k exp l_k(x):
//   p(fake | x) = 1/(Z + 1),   D(x) = 1 − p(fake | x) = Z/(Z + 1) = σ(s),   s(x) = log Z = logsumexp l(x)
// so s, the unsupervised score, is D's binary logit, computed stably by logsumexp. Then
//   L_sup   = E_lab[logsumexp l(x) − l_y(x)]                  (cross-entropy over the N classes)
//   L_unsup = −E_real log D(x) − E_fake log(1 − D(G(z)))
//           = E_real softplus(−s(x)) + E_fake softplus(s(G(z)))   (log σ(s) = −softplus(−s))
//   L_D     = L_sup + w·L_unsup
// Salimans et al.'s MNIST code writes L_unsup with a factor ½ on both terms; that is w = ½ here.
//
// G's losses:
// - feature matching: ‖E_real f(x) − E_fake f(G(z))‖², f an intermediate layer of D (the
//   paper's squared norm; the authors' code takes the mean over the feature dimensions instead,
//   1/dim times this, a scale Adam all but ignores);
// - E-GAN's mutations (heuristic −E log D(G(z)), minimax E log(1 − D(G(z))), least-squares
//   E(D(G(z)) − 1)², hinge, rsgan) on the score s. Since D(x) = σ(s) exactly, each of them is
//   the same function of s that it is of a binary D's logit o with D = σ(o): gan-losses.ts's
//   functions apply unchanged, and so do E-GAN's fitness Fq = E σ(s) and Fd (the gradient of
//   L_unsup, which is gan-losses.ts's discriminatorLoss on s). The raw-score losses (hinge's
//   −E s, rsgan's s_fake − s_real) also read s as "how real D finds x", the role o plays there.
import * as tf from "@tensorflow/tfjs";
import { isScoreMutation, type GLoss } from "../../strategies/egan.ts";
import { discriminatorLoss, generatorLoss } from "./gan-losses.ts";


/** s(x) = logsumexp_k l_k(x), D's binary logit (D(x) = σ(s)): [B, N] logits → [B]. */
export function unsupervisedScore(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.logSumExp(logits, 1) as tf.Tensor1D;
}

/** L_sup = mean over the labelled batch of logsumexp l(x) − l_y(x); `labels` int32 [B]. */
export function supervisedLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.cast(labels, "int32"), logits.shape[1])), 1);
    return tf.mean(tf.sub(unsupervisedScore(logits), picked)) as tf.Scalar;
  });
}

/** L_unsup = E_real softplus(−s) + E_fake softplus(s), each mean over its own batch. */
export function unsupervisedDLoss(realLogits: tf.Tensor2D, fakeLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => discriminatorLoss(unsupervisedScore(realLogits), unsupervisedScore(fakeLogits)));
}

export interface SganDLossInputs {
  /** D's logits of the labelled batch, and its labels (int32). */
  readonly labelledLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
  /** D's logits of a batch of unlabelled real images, and of a batch of G's images. */
  readonly realLogits: tf.Tensor2D;
  readonly fakeLogits: tf.Tensor2D;
}

export interface SganDLoss {
  /** L_sup + w·L_unsup, what D minimises. */
  readonly loss: tf.Scalar;
  readonly supervised: tf.Scalar;
  readonly unsupervised: tf.Scalar;
}

/** D's loss L_sup + w·L_unsup with its two parts (w: the unlabelled weight). */
export function sganDLoss(inp: SganDLossInputs, unlabelledWeight: number): SganDLoss {
  const supervised = supervisedLoss(inp.labelledLogits, inp.labels);
  const unsupervised = unsupervisedDLoss(inp.realLogits, inp.fakeLogits);
  const loss = tf.tidy(() => tf.add(supervised, tf.mul(unsupervised, unlabelledWeight)) as tf.Scalar);
  return { loss, supervised, unsupervised };
}

/** ‖mean_real f − mean_fake f‖² over D's features f ([B, F] each; the batches may differ in size). */
export function featureMatchingLoss(realFeatures: tf.Tensor2D, fakeFeatures: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(tf.mean(realFeatures, 0), tf.mean(fakeFeatures, 0)))) as tf.Scalar);
}

/** What G's losses read of D: its logits of G's images and, for some losses, of real ones, and features. */
export interface SganGInputs {
  readonly fakeLogits: tf.Tensor2D;
  /** D's logits of real images: rsgan pairs each fake score with a real one. */
  readonly realLogits?: tf.Tensor2D;
  /** D's features of G's images and of real images: feature matching. */
  readonly fakeFeatures?: tf.Tensor2D;
  readonly realFeatures?: tf.Tensor2D;
}

/** G's loss `kind`: feature matching on D's features, or E-GAN's mutation on the score s. */
export function sganGeneratorLoss(kind: GLoss, inp: SganGInputs): tf.Scalar {
  if (!isScoreMutation(kind)) {
    if (!inp.realFeatures || !inp.fakeFeatures) throw new Error("feature matching needs D's features of real and of generated images");
    return featureMatchingLoss(inp.realFeatures, inp.fakeFeatures);
  }
  return tf.tidy(() => generatorLoss(kind, unsupervisedScore(inp.fakeLogits), inp.realLogits && unsupervisedScore(inp.realLogits)));
}
