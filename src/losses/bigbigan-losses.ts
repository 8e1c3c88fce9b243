// BigBiGAN's losses (Donahue & Simonyan 2019, eq. 2–4). The discriminator scores a pair (x, z)
// three ways: s_x from x alone (F), s_z from z alone (H), s_xz jointly (J). Real pairs are
// (x, E(x)), fake pairs are (G(z), z). With the hinge h(t) = max(0, 1 − t):
//   L_D  = E_real[h(s_x) + h(s_z) + h(s_xz)] + E_fake[h(−s_x) + h(−s_z) + h(−s_xz)]
//   L_EG = E_real[s_x + s_z + s_xz] − E_fake[s_x + s_z + s_xz]
// The unary terms s_x and s_z can be switched off (the paper's ablations); s_xz is always on.
// Each expectation is a mean over its own batch.
import * as tf from "@tensorflow/tfjs";

export interface BiScores {
  readonly sx: tf.Tensor1D;
  readonly sz: tf.Tensor1D;
  readonly sxz: tf.Tensor1D;
}

/** Which unary terms take part; s_xz always does. */
export interface BiTerms {
  readonly sx: boolean;
  readonly sz: boolean;
}

/** The score tensors that take part, s_xz first. */
function activeScores(s: BiScores, terms: BiTerms): tf.Tensor1D[] {
  return [s.sxz, ...(terms.sx ? [s.sx] : []), ...(terms.sz ? [s.sz] : [])];
}

const hinge = (t: tf.Tensor): tf.Tensor => tf.relu(tf.sub(1, t));

/** Σ over the active scores of E[f(s)], f applied elementwise. */
function sumOfMeans(s: BiScores, terms: BiTerms, f: (t: tf.Tensor) => tf.Tensor): tf.Scalar {
  return tf.addN(activeScores(s, terms).map((t) => tf.mean(f(t)))) as tf.Scalar;
}

export function bigbiganDLoss(real: BiScores, fake: BiScores, terms: BiTerms): tf.Scalar {
  return tf.tidy(() => tf.add(sumOfMeans(real, terms, hinge), sumOfMeans(fake, terms, (t) => hinge(tf.neg(t)))));
}

export function bigbiganEGLoss(real: BiScores, fake: BiScores, terms: BiTerms): tf.Scalar {
  return tf.tidy(() => tf.sub(sumOfMeans(real, terms, (t) => t), sumOfMeans(fake, terms, (t) => t)));
}
