// Exponential moving average of G's weights (BigGAN; Yazıcı et al. 2019), sampled from at
// evaluation. BigGAN-PyTorch starts it at a configured step (CIFAR: 1000) by copying before then:
//   step < startStep:  ema' = params
//   otherwise:         ema' = decay·ema + (1 − decay)·params   (trainable entries)
// Spectral-norm buffers (names ending ".u") are always copied from params.
import * as tf from "@tensorflow/tfjs";
import { isBuffer, type Params } from "./params.ts";

/** The next EMA weights, as new tensors (the caller disposes the old record). */
export function emaUpdate(ema: Params, params: Params, decay: number, step: number, startStep: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, w] of Object.entries(params)) {
    if (step < startStep || isBuffer(name)) {
      out[name] = tf.clone(w);
      continue;
    }
    const e = ema[name];
    if (e === undefined) throw new Error(`EMA has no entry ${name}`);
    out[name] = tf.tidy(() => tf.add(tf.mul(e, decay), tf.mul(w, 1 - decay)));
  }
  return out;
}
