// Adam (Kingma & Ba 2015) in the form Lasagne and Keras use, as the E-GAN reference code does:
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,
//   θ ← θ − α_t·m / (√v + ε),  α_t = α·√(1 − β2^t) / (1 − β1^t).
// With evogan's native kernels active the update is one fused pass (src/compute/native-kernels.ts).
// Pure in the tensor sense: returns new tensors and never disposes its inputs, so a child can be
// made from its parent's weights and optimizer state while the parent stays intact.
import * as tf from "@tensorflow/tfjs";
import { nativeAdam } from "../compute/native-kernels.ts";
import type { AdamConfig } from "../config/run-config.ts";

/** Adam's hyperparameters, as the config gives them (`trainer.g`, `trainer.d`); without `lrHalfLife`, a constant rate. */
export type AdamHyper = Omit<AdamConfig, "lrHalfLife"> & { readonly lrHalfLife?: number };

/** Weights with their Adam moments; t counts the steps taken. */
export interface AdamState {
  readonly params: tf.Tensor[];
  readonly m: tf.Tensor[];
  readonly v: tf.Tensor[];
  readonly t: number;
}

/**
 * The learning rate of step t (1-based): `lr`, halved every `lrHalfLife` steps when that is set.
 * Keyed on the optimizer's own step count, so a checkpoint or a PBT exploit carries the schedule
 * with the weights.
 */
export function lrAt(h: Pick<AdamHyper, "lr" | "lrHalfLife">, t: number): number {
  return h.lrHalfLife === undefined ? h.lr : h.lr * 2 ** (-(t - 1) / h.lrHalfLife);
}

export function adamStep(state: AdamState, grads: readonly tf.Tensor[], h: AdamHyper): AdamState {
  const t = state.t + 1;
  const alpha = (lrAt(h, t) * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
  const params: tf.Tensor[] = [];
  const m: tf.Tensor[] = [];
  const v: tf.Tensor[] = [];
  for (let i = 0; i < state.params.length; i++) {
    const fused = nativeAdam(state.params[i], state.m[i], state.v[i], grads[i], alpha, h.beta1, h.beta2, h.epsilon);
    if (fused) {
      params.push(fused[0]);
      m.push(fused[1]);
      v.push(fused[2]);
      continue;
    }
    const [p, mi, vi] = tf.tidy(() => {
      const g = grads[i];
      const mNew = tf.add(tf.mul(state.m[i], h.beta1), tf.mul(g, 1 - h.beta1));
      const vNew = tf.add(tf.mul(state.v[i], h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
      const step = tf.div(tf.mul(mNew, alpha), tf.add(tf.sqrt(vNew), h.epsilon));
      return [tf.sub(state.params[i], step), mNew, vNew];
    });
    params.push(p);
    m.push(mi);
    v.push(vi);
  }
  return { params, m, v, t };
}

export function adamInit(params: tf.Tensor[]): AdamState {
  return { params, m: params.map((p) => tf.zerosLike(p)), v: params.map((p) => tf.zerosLike(p)), t: 0 };
}

export function disposeAdam(state: AdamState): void {
  tf.dispose([...state.params, ...state.m, ...state.v]);
}

/** Marks a state's tensors to outlive the enclosing tidy/scoped block. */
export function keepAdam(state: AdamState): AdamState {
  [...state.params, ...state.m, ...state.v].forEach((t) => tf.keep(t));
  return state;
}
