// CycleGAN's losses (Zhu et al. 2017, §3 and the authors' code, pytorch-CycleGAN-and-pix2pix),
// with G: A → B, F: B → A, D_A judging domain A and D_B domain B. D's outputs o are PatchGAN maps
// (one per patch); every expectation E below is a mean over every patch of every image.
//
// Adversarial (least squares, the paper's choice, on D's raw outputs):
//   L_D = ½E[(D_B(b) − 1)²] + ½E[D_B(G(a))²]          (and the same for D_A with a, F(b))
//   L_G = E[(D_B(G(a)) − 1)²]                          (and E[(D_A(F(b)) − 1)²] for F)
// The ½ on D's loss is the authors' code's (backward_D_basic halves D's loss whatever its form).
// D's loss can also be cross-entropy on the outputs read as logits ("bce"):
//   L_D = ½(E softplus(−D_B(b)) + E softplus(D_B(G(a)))), i.e. ½·gan-losses' discriminatorLoss.
//
// The generators' adversarial term is E-GAN's mutation point: a child steps G and F with mutation
// m's generator loss on D's outputs. "least-squares" with a least-squares D is the paper's L_G
// above. Every other case is src/losses/gan-losses.ts `generatorLoss(m, o)`, which reads o as a
// logit, D(x) = σ(o); there "least-squares" is E[(σ(o) − 1)²]: LSGAN's form on σ(o), E-GAN's
// mutation, the right LS term for a cross-entropy D. The two agree in the sense that both are
// E[(D(G(a)) − 1)²] with D(·) on the scale D's own loss trains towards 1 for real images (raw o
// for an LS D, σ(o) for a BCE D); as functions of o they differ: (o − 1)² versus (σ(o) − 1)².
//
// Cycle consistency, with ‖·‖₁ the mean absolute error per pixel (PyTorch's L1Loss, mean
// reduction; pixels on the trained [−1, 1] scale), so λ does not depend on the image size:
//   L_cyc = λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁)                   paper: λ = 10
// Identity (the paper's §5.2, from Taigman et al. 2017), same per-pixel mean:
//   L_idt = λ_id·(‖G(b) − b‖₁ + ‖F(a) − a‖₁)                      paper's code: λ_id = 0.5·λ
import * as tf from "@tensorflow/tfjs";
import type { Mutation } from "../../strategies/egan.ts";
import { generatorLoss } from "./gan-losses.ts";

export const CYCLE_D_LOSSES = ["least-squares", "bce"] as const;
export type CycleDLoss = (typeof CYCLE_D_LOSSES)[number];

/** The real-image term of one D's loss: ½E[(o − 1)²], or ½E softplus(−o). */
export function patchDLossReal(kind: CycleDLoss, real: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(kind === "least-squares" ? tf.square(tf.sub(real, 1)) : tf.softplus(tf.neg(real))), 0.5) as tf.Scalar);
}

/** The translated-image term of one D's loss: ½E[o²], or ½E softplus(o). */
export function patchDLossFake(kind: CycleDLoss, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(kind === "least-squares" ? tf.square(fake) : tf.softplus(fake)), 0.5) as tf.Scalar);
}

/** One D's loss on its real and translated images' outputs. */
export function patchDLoss(kind: CycleDLoss, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(patchDLossReal(kind, real), patchDLossFake(kind, fake)) as tf.Scalar);
}

/**
 * A generator's adversarial term on D's outputs for its translations: the paper's E[(o − 1)²] for
 * "least-squares" against a least-squares D, else gan-losses' generatorLoss(mutation, o, real)
 * (`real`: D's outputs for real images of the target domain, which rsgan pairs patch by patch).
 */
export function adversarialLoss(mutation: Mutation, kind: CycleDLoss, fake: tf.Tensor, real?: tf.Tensor): tf.Scalar {
  if (mutation === "least-squares" && kind === "least-squares") return tf.tidy(() => tf.mean(tf.square(tf.sub(fake, 1))) as tf.Scalar);
  return generatorLoss(mutation, fake, real);
}

/** Mean absolute error per value, ‖x − y‖₁ / size. */
export function meanAbsoluteError(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(x, y))) as tf.Scalar);
}

/** L_cyc = λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁), ‖·‖₁ per pixel: `aBack` = F(G(a)), `bBack` = G(F(b)). */
export function cycleLoss(lambda: number, a: tf.Tensor, aBack: tf.Tensor, b: tf.Tensor, bBack: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.add(meanAbsoluteError(aBack, a), meanAbsoluteError(bBack, b)), lambda) as tf.Scalar);
}

/** L_idt = λ_id·(‖G(b) − b‖₁ + ‖F(a) − a‖₁), ‖·‖₁ per pixel: `gb` = G(b), `fa` = F(a). */
export function identityLoss(weight: number, b: tf.Tensor, gb: tf.Tensor, a: tf.Tensor, fa: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.add(meanAbsoluteError(gb, b), meanAbsoluteError(fa, a)), weight) as tf.Scalar);
}

/**
 * How real D finds its inputs, on the scale its loss trains towards 1 for real and 0 for
 * translated images: the raw output for a least-squares D, σ(o) for a cross-entropy D. E-GAN's
 * Fq = E[D(G(z))] is the mean of this over the patches.
 */
export function realness(kind: CycleDLoss, out: tf.Tensor): tf.Tensor {
  return kind === "least-squares" ? out : tf.sigmoid(out);
}
