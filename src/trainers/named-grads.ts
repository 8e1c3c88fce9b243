// Gradients with respect to named parameters (src/models/image/params.ts): the trainable
// entries, in trainableNames order; spectral-norm u buffers are held constant.
import * as tf from "@tensorflow/tfjs";
import { trainableNames, type Params } from "../models/image/params.ts";

/** f's value and its gradient with respect to the trainable entries of p (trainableNames order). */
export function valueAndGradsOf(p: Params, f: (p: Params) => tf.Scalar): { value: tf.Scalar; grads: tf.Tensor[] } {
  const names = trainableNames(p);
  const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) => {
    const q: Record<string, tf.Tensor> = { ...p };
    names.forEach((n, i) => (q[n] = ws[i]));
    return f(q);
  })(names.map((n) => p[n]));
  return { value: value as tf.Scalar, grads };
}

export function gradsOf(p: Params, f: (p: Params) => tf.Scalar): tf.Tensor[] {
  return valueAndGradsOf(p, f).grads;
}
