// The fitness record of a plain run (one mutation, μ = 1), where selection has nothing to choose:
// Fq = mean σ(D(fakes)) is taken from D's own training step (its scores of the fakes before it
// moves), Fd is not computed, and F = Fq. Divergence is still seen: NaN fakes make Fq NaN.
import * as tf from "@tensorflow/tfjs";
import { TrainingDiverged } from "../errors.ts";
import type { ChildRecord } from "../records.ts";
import type { LaggedRecord } from "./lagged-record.ts";
import type { TrainerRecord } from "./trainer.ts";

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

/**
 * The end of plain iteration `it`: reads Fq together with the previous record's D loss (the
 * iteration's one device read); a NaN Fq discards the new state and throws TrainingDiverged,
 * otherwise the new state is adopted and the previous record, now complete, handed out.
 */
export async function finishPlainIteration(
  lag: LaggedRecord,
  it: number,
  mutation: string,
  fq: tf.Scalar,
  loss: tf.Scalar,
  state: { readonly discard: () => void; readonly adopt: () => void },
): Promise<TrainerRecord | undefined> {
  const read = tf.reshape(fq, [1]) as tf.Tensor1D;
  const Fq = (await lag.read(read))[0];
  tf.dispose([read, fq]);
  if (Number.isNaN(Fq)) {
    state.discard();
    loss.dispose();
    throw new TrainingDiverged(it);
  }
  state.adopt();
  lag.hold({ it, children: [plainChild(mutation, Fq)], survivors: [0], dLoss: NaN }, loss);
  return lag.take();
}
