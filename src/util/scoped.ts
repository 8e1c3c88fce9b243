import * as tf from "@tensorflow/tfjs";

/**
 * Like tf.tidy for results that are not TensorContainers (records holding tensors): every
 * tensor made inside `fn` is disposed at the end unless `fn` passed it to tf.keep.
 */
export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}
