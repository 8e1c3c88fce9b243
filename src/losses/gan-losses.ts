// GAN losses on D's logits o, with D(x) = σ(o). Each generator loss has two forms: its value
// (for the autodiff path and for records) and its derivative with respect to each logit,
// already divided by the batch size (for the hand-written backprop of the fast path).
// Written with softplus so that large |o| does not overflow: log σ(o) = −softplus(−o),
// log(1 − σ(o)) = −softplus(o).
// The relativistic standard GAN (RSGAN, Jolicoeur-Martineau 2019; a mutation of the E-GAN
// reference code) scores a fake against a real sample: L_G = −E log σ(o_fake − o_real), with
// fake i paired with real i (cyclically when there are fewer reals); D's real scores are
// constants for G.
import * as tf from "@tensorflow/tfjs";
import type { Mutation } from "../../strategies/egan.ts";
import type { DLossKind } from "../config/run-config.ts";

/** D's scores of real samples, one per fake logit: real i for fake i, cyclically. */
function pairedReal(logits: tf.Tensor, realLogits: tf.Tensor | undefined): tf.Tensor {
  if (!realLogits) throw new Error("the rsgan mutation needs D's scores of real samples");
  const n = logits.size;
  const r = tf.reshape(realLogits, [-1]);
  const paired = r.size >= n ? tf.slice(r, [0], [n]) : tf.slice(tf.tile(r, [Math.ceil(n / r.size)]), [0], [n]);
  return tf.reshape(paired, logits.shape);
}

/** Generator loss of a mutation, averaged over the batch (`realLogits`: D's real scores, for rsgan). */
export function generatorLoss(mutation: Mutation, logits: tf.Tensor, realLogits?: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    switch (mutation) {
      case "minimax": // E[log(1 − D(G(z)))], minimised
        return tf.mean(tf.neg(tf.softplus(logits)));
      case "heuristic": // −E[log D(G(z))]
        return tf.mean(tf.softplus(tf.neg(logits)));
      case "least-squares": // E[(D(G(z)) − 1)²]
        return tf.mean(tf.square(tf.sub(tf.sigmoid(logits), 1)));
      case "hinge": // −E[D(G(z))] on the raw score (BigGAN)
        return tf.neg(tf.mean(logits)) as tf.Scalar;
      case "rsgan": // −E log σ(o_fake − o_real)
        return tf.mean(tf.softplus(tf.sub(pairedReal(logits, realLogits), logits)));
    }
  });
}

/** ∂(generator loss)/∂o_i for each logit, i.e. already including the 1/N of the mean. */
export function generatorLossGrad(mutation: Mutation, logits: tf.Tensor, s: tf.Tensor, realLogits?: tf.Tensor): tf.Tensor {
  const n = logits.size;
  return tf.tidy(() => {
    switch (mutation) {
      case "minimax": // d/do log(1 − σ(o)) = −σ(o)
        return tf.mul(s, -1 / n);
      case "heuristic": // d/do −log σ(o) = −(1 − σ(o))
        return tf.mul(tf.sub(1, s), -1 / n);
      case "least-squares": // d/do (σ − 1)² = 2(σ − 1)·σ(1 − σ)
        return tf.mul(tf.mul(tf.sub(s, 1), tf.mul(s, tf.sub(1, s))), 2 / n);
      case "hinge":
        return tf.fill(logits.shape, -1 / n);
      case "rsgan": // d/do −log σ(o − r) = −(1 − σ(o − r)) = −σ(r − o)
        return tf.mul(tf.sigmoid(tf.sub(pairedReal(logits, realLogits), logits)), -1 / n);
    }
  });
}

/** D's cross-entropy loss L_D = −E log D(x) − E log(1 − D(G(z))), each mean over its batch. */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/** D's hinge loss (BigGAN): E relu(1 − D(x)) + E relu(1 + D(G(z))) on raw scores. */
export function hingeDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.relu(tf.sub(1, realLogits))), tf.mean(tf.relu(tf.add(1, fakeLogits)))) as tf.Scalar);
}


/** The kinds dLoss, dLossReal and dLossFake compute; WGAN-GP and CycleGAN's least squares live with their trainers. */
type ScoreDLoss = "bce" | "hinge";

function scoreDLoss(kind: DLossKind): ScoreDLoss {
  if (kind !== "bce" && kind !== "hinge") throw new Error(`D loss ${kind} is not a loss on D's logits alone; its trainer computes it`);
  return kind;
}

/** The real-sample term of D's loss (−E log D(x), or E relu(1 − D(x)) for hinge): dLoss = dLossReal + dLossFake. */
export function dLossReal(kind: DLossKind, realLogits: tf.Tensor): tf.Scalar {
  const k = scoreDLoss(kind);
  return tf.tidy(() => tf.mean(k === "hinge" ? tf.relu(tf.sub(1, realLogits)) : tf.softplus(tf.neg(realLogits))) as tf.Scalar);
}

/** The fake-sample term of D's loss (−E log(1 − D(G(z))), or E relu(1 + D(G(z))) for hinge). */
export function dLossFake(kind: DLossKind, fakeLogits: tf.Tensor): tf.Scalar {
  const k = scoreDLoss(kind);
  return tf.tidy(() => tf.mean(k === "hinge" ? tf.relu(tf.add(1, fakeLogits)) : tf.softplus(fakeLogits)) as tf.Scalar);
}

export function dLoss(kind: DLossKind, realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return scoreDLoss(kind) === "hinge" ? hingeDiscriminatorLoss(realLogits, fakeLogits) : discriminatorLoss(realLogits, fakeLogits);
}
