// Augmented BiGAN's losses (Kumar, Sattigeri & Fletcher 2017), on the logits of its joint
// N-class D with the "fake" logit fixed at 0 (semi-losses.ts: s = logsumexp l is D's binary logit,
// D(x, z) = σ(s)). Pairs: real (x, E(x)), fake (G(z), z), and the third pair, reconstruction
// (G(E(x)), E(x)), which D must call fake too.
//
// D:     L_sup(labelled pairs) + w·L_unsup,  L_unsup = E_real softplus(−s) + E_fake* softplus(s)
//        where fake* pools the fake pairs and (third pair on) the reconstruction pairs: with equal
//        batches each is half of the fake term, so D's real-against-fake balance stays SGAN's.
// G, E:  one joint loss, whose gradients reach G through its images and E through its codes:
//        - feature matching: ‖E f(x, E(x)) − E f(G(z), z)‖² (f: D's feature layer), a BiGAN
//          matching the two joint distributions' feature means, both sides trainable;
//        - a score mutation ℓ: E softplus(s(x, E(x))) + ℓ(s(G(z), z)): E pushes its pairs towards
//          "fake" (BiGAN's E, non-saturating: −log(1 − D)) and G its towards "real";
//        - third pair on: + E softplus(−s(G(E(x)), E(x))): G and E make the reconstruction pairs
//          look real. Since D sees (x, E(x)) as real and (G(E(x)), E(x)) as fake for the same code,
//          only G(E(x)) ≈ x fools it: this term is what makes reconstructions follow their inputs.
//          Or (thirdPairLoss "features") feature matching on the third pair, pair by pair:
//          E ‖f(x, E(x)) − f(G(E(x)), E(x))‖². Unlike G(z) and x, each reconstruction has its own
//          real pair to match, so the means of feature matching become per-pair distances in D's
//          feature space: D, which must tell the two apart, supplies the metric.
// Manifold invariance (the paper's §4, a switch): D's logits should not change along the data
// manifold's tangents at x, the directions G moves its image in as its code moves about E(x).
// With t̂ a unit tangent (pixel space) and ε a small step:
//        P = E ‖l(x + ε·t̂, z) − l(x, z)‖² / ε²     ≈ E ‖J_x l · t̂‖²
// a finite-difference form of the paper's Jacobian-vector penalty (exact for a D linear in x).
import * as tf from "@tensorflow/tfjs";
import { sganDLoss, type SganDLoss, unsupervisedScore } from "./semi-losses.ts";

export interface AugbiganDLossInputs {
  readonly labelledLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
  /** D's logits of real pairs (x, E(x)), fake pairs (G(z), z), and (third pair) reconstruction pairs (G(E(x)), E(x)). */
  readonly realLogits: tf.Tensor2D;
  readonly fakeLogits: tf.Tensor2D;
  readonly reconLogits?: tf.Tensor2D;
}

/** D's loss L_sup + w·L_unsup, the reconstruction pairs pooled with the fake ones. */
export function augbiganDLoss(inp: AugbiganDLossInputs, unlabelledWeight: number): SganDLoss {
  const fakeLogits = inp.reconLogits ? (tf.concat([inp.fakeLogits, inp.reconLogits]) as tf.Tensor2D) : inp.fakeLogits;
  return sganDLoss({ labelledLogits: inp.labelledLogits, labels: inp.labels, realLogits: inp.realLogits, fakeLogits }, unlabelledWeight);
}

/** E's BiGAN term: E softplus(s(x, E(x))), −log(1 − D) of its pairs. */
export function encoderLoss(realLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(unsupervisedScore(realLogits))) as tf.Scalar);
}

/** The third pair's term for G and E: E softplus(−s(G(E(x)), E(x))), −log D of the reconstruction pairs. */
export function reconstructionPairLoss(reconLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(unsupervisedScore(reconLogits)))) as tf.Scalar);
}

/**
 * The third pair's feature-matching term for G and E: E_i ‖f_i(x, E(x)) − f_i(G(E(x)), E(x))‖²,
 * row i of each the same x (feature matching's ‖mean − mean‖² taken pair by pair).
 */
export function pairedFeatureLoss(realFeatures: tf.Tensor2D, reconFeatures: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(realFeatures, reconFeatures)), 1)) as tf.Scalar);
}

/** Each row of `t` ([B, …]) scaled to unit L2 norm (rows of norm 0 stay 0). */
export function unitRows<T extends tf.Tensor>(t: T): T {
  return tf.tidy(() => {
    const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
    const norm = tf.sqrt(tf.sum(tf.square(t), axes, true));
    return tf.div(t, tf.maximum(norm, 1e-12)) as T;
  });
}

/**
 * The manifold-invariance penalty E ‖l(x + ε·t̂) − l(x)‖² / ε² for logits `l` (a function of the
 * images, the codes held fixed by the caller) and unit tangents `tangents` (unitRows).
 */
export function invariancePenalty(l: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, tangents: tf.Tensor4D, eps: number): tf.Scalar {
  return tf.tidy(() => {
    const diff = tf.sub(l(tf.add(x, tf.mul(tangents, eps)) as tf.Tensor4D), l(x));
    return tf.div(tf.mean(tf.sum(tf.square(diff), 1)), eps * eps) as tf.Scalar;
  });
}
