// WGAN-GP (Gulrajani et al., "Improved training of Wasserstein GANs", 2017), the loss PGGAN
// trains with (Karras et al. 2018, §6 and Appendix A.1). D is a critic with raw scores D(x):
//
//   L_D = E[D(x̃)] − E[D(x)] + λ·E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²] + ε_drift·E[D(x)²]
//   L_G = −E[D(x̃)]
//
// with x real, x̃ = G(z), x̂ = ε·x + (1 − ε)·x̃ and ε ~ U[0, 1] drawn per sample; λ = 10 (both
// papers), ε_drift = 0.001 (PGGAN's drift term, keeping the critic's output near 0).
//
// The penalty is a function of D's parameters θ through ∇_x̂ D, so ∂L_D/∂θ differentiates a
// gradient: tf.grad of D with respect to x̂ runs inside the tf.grads with respect to θ, and the
// outer one walks back through the ops the inner backward pass recorded (tfjs supports this:
// a backward pass run while an outer tape is open is taped). Every op of that backward pass
// must then have a gradient of its own. For PGGAN's D (pggan-layers.ts) on wasm and cpu:
//   Conv2D          → Conv2DBackpropInput(dy, W)       whose gradient is Conv2D and
//                                                        Conv2DBackpropFilter (evogan's wasm kernel)
//   lrelu           → dy·Step(x, α)                    (Step's gradient is 0; tfjs-core's own
//                                                        LeakyRelu gradient runs Greater, which has none)
//   add (layers.ts) → reshape / sum of dy              (linear)
//   pool2x / up2x   → each other                       (tf.avgPool's own gradient runs AvgPoolGrad,
//                                                        which has no gradient registered)
//   mean, sqrt, concat, reshape, broadcastTo, matMul   → tfjs's registered gradients
// test/losses/gradient-penalty.test.ts checks ∂(penalty)/∂θ against central finite differences
// in float64 on wasm (with and without the native GEMM) and cpu, and PGGAN's D wasm against cpu.
//
// The input gradient is of Σ_i D(x̂_i), as in the paper's code: for a D whose score of sample i
// reads only x̂_i that is ∇_x̂_i D(x̂_i); PGGAN's minibatch-stddev layer lets other samples leak
// in slightly, which both papers' code accepts.
import * as tf from "@tensorflow/tfjs";

/** λ of the gradient penalty (Gulrajani et al.; PGGAN uses the same). */
export const GP_LAMBDA = 10;
/** ε_drift of PGGAN's drift term E[D(x)²]. */
export const DRIFT = 0.001;
/** Inside √ of the gradient norm: keeps its derivative finite at a zero gradient; negligible against any real norm². */
const NORM_EPS = 1e-12;

/** A critic: raw scores [N] of images [N, H, W, C], a function of parameters it closes over. */
export type Critic = (x: tf.Tensor4D) => tf.Tensor1D;

/** x̂ = ε·x + (1 − ε)·x̃ with one ε per sample (ε [N], drawn U[0, 1] by the caller's seeded Rng). */
export function interpolate(real: tf.Tensor4D, fake: tf.Tensor4D, eps: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const e = tf.reshape(eps, [-1, 1, 1, 1]);
    return tf.add(tf.mul(real, e), tf.mul(fake, tf.sub(1, e))) as tf.Tensor4D;
  });
}

/** ‖∇_x̂ Σ_i D(x̂_i)‖₂ for each sample: [N]. Differentiable with respect to what D closes over. */
export function inputGradientNorms(critic: Critic, xHat: tf.Tensor4D): tf.Tensor1D {
  const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(xHat);
  return tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), NORM_EPS)) as tf.Tensor1D;
}

/** λ·E[(‖∇_x̂ D(x̂)‖₂ − 1)²]. */
export function gradientPenalty(critic: Critic, xHat: tf.Tensor4D, lambda = GP_LAMBDA): tf.Scalar {
  return tf.mul(tf.mean(tf.square(tf.sub(inputGradientNorms(critic, xHat), 1))), lambda) as tf.Scalar;
}

/** The critic's Wasserstein term E[D(x̃)] − E[D(x)] (no penalty). */
export function wganCriticLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): tf.Scalar {
  return tf.sub(tf.mean(fakeScores), tf.mean(realScores)) as tf.Scalar;
}

/** G's loss −E[D(x̃)] on raw scores (the same as the hinge generator loss of gan-losses.ts). */
export function wganGeneratorLoss(fakeScores: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(fakeScores)) as tf.Scalar;
}

export interface WganGpOptions {
  /** λ (default 10). */
  readonly lambda?: number;
  /** ε_drift (default 0.001; 0 for plain WGAN-GP). */
  readonly drift?: number;
}

export interface WganGpParts {
  /** L_D, the sum of the three below. */
  readonly loss: tf.Scalar;
  /** E[D(x̃)] − E[D(x)]. */
  readonly wasserstein: tf.Scalar;
  /** λ·E[(‖∇D(x̂)‖ − 1)²]. */
  readonly penalty: tf.Scalar;
  /** ε_drift·E[D(x)²]. */
  readonly drift: tf.Scalar;
  /** D's raw scores of the fakes (for E-GAN's Fq). */
  readonly fakeScores: tf.Tensor1D;
}

/**
 * L_D of WGAN-GP with the drift term, differentiable with respect to the critic's parameters:
 * call it inside tf.grads over them. `eps` [N]: one U[0, 1] draw per pair (real i, fake i).
 */
export function wganGpDLoss(critic: Critic, real: tf.Tensor4D, fake: tf.Tensor4D, eps: tf.Tensor1D, opts: WganGpOptions = {}): WganGpParts {
  const realScores = critic(real);
  const fakeScores = critic(fake);
  const wasserstein = wganCriticLoss(realScores, fakeScores);
  const penalty = gradientPenalty(critic, interpolate(real, fake, eps), opts.lambda ?? GP_LAMBDA);
  const drift = tf.mul(tf.mean(tf.square(realScores)), opts.drift ?? DRIFT) as tf.Scalar;
  return { loss: tf.addN([wasserstein, penalty, drift]) as tf.Scalar, wasserstein, penalty, drift, fakeScores };
}
