// The fitness record of a plain run (one mutation, μ = 1), where selection has nothing to choose:
// Fq = mean σ(D(fakes)) is taken from D's own training step (its scores of the fakes before it
// moves), Fd is not computed, and F = Fq. Divergence is still seen: NaN fakes make Fq NaN.
import * as tf from "@tensorflow/tfjs";
import type { ChildRecord } from "../records.ts";

/**
 * `value`, or NaN when any element of `x` is NaN (value + 0·Σx). A discriminator that starts
 * with a ReLU maps NaN inputs to finite scores on wasm, so Fq alone would hide NaN generators.
 */
export function nanIfAnyNaN(value: tf.Scalar, x: tf.Tensor): tf.Scalar {
  return tf.add(value, tf.mul(0, tf.sum(x))) as tf.Scalar;
}

/** The one child of a plain iteration. */
export function plainChild(mutation: string, Fq: number): ChildRecord {
  return { mutation, parent: 0, Fq, Fd: NaN, F: Fq };
}
