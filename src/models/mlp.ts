// Fully connected networks for the toy tasks (E-GAN's toy G and D: 3 × (dense 512, ReLU) and a
// linear output), with a forward pass that keeps what backprop needs and a hand-written
// backward pass. The fast E-GAN path uses these instead of tfjs' autodiff because, on the wasm
// backend, only plain 2-D matmuls are fast (~37 GFLOPS measured); the transposed matmuls of
// autodiff run at 1.5–3 GFLOPS. So weights are transposed once, explicitly, and every matmul
// here is a plain one.
//
// Parameters are a flat list [W0, b0, W1, b1, ...], W_l: [in, out], b_l: [out].
import * as tf from "@tensorflow/tfjs";
import { transposesAreFree } from "../compute/native-kernels.ts";
import type { Rng } from "../util/rng.ts";

export interface MlpSpec {
  readonly input: number;
  readonly hidden: readonly number[];
  readonly output: number;
}

export function layerSizes(spec: MlpSpec): Array<[number, number]> {
  const dims = [spec.input, ...spec.hidden, spec.output];
  return dims.slice(1).map((out, i) => [dims[i], out]);
}

/** Glorot-uniform weights and zero biases (Lasagne's DenseLayer default, as in the reference). */
export function initMlp(spec: MlpSpec, rng: Rng): Float32Array[] {
  const out: Float32Array[] = [];
  for (const [fanIn, fanOut] of layerSizes(spec)) {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    out.push(rng.uniformArray(fanIn * fanOut, -limit, limit));
    out.push(new Float32Array(fanOut));
  }
  return out;
}

export function paramShapes(spec: MlpSpec): number[][] {
  return layerSizes(spec).flatMap(([i, o]) => [[i, o], [o]]);
}

export interface Forward {
  /** Output of the last (linear) layer. */
  readonly out: tf.Tensor2D;
  /** Input of each layer: inputs[0] = x, inputs[l] = relu output of layer l − 1. */
  readonly inputs: tf.Tensor2D[];
}

/** Forward pass with fused matmul + bias + ReLU; keeps each layer's input for backprop. */
export function mlpForward(params: readonly tf.Tensor[], x: tf.Tensor2D): Forward {
  const layers = params.length / 2;
  const inputs: tf.Tensor2D[] = [];
  let h = x;
  for (let l = 0; l < layers; l++) {
    inputs.push(h);
    h = tf.fused.matMul({
      a: h,
      b: params[2 * l] as tf.Tensor2D,
      bias: params[2 * l + 1],
      activation: l < layers - 1 ? "relu" : "linear",
    }) as tf.Tensor2D;
  }
  return { out: h, inputs };
}

/** The network's output alone (sampling, fitness fakes): the same forward pass. */
export function applyMlp(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  return mlpForward(params, x).out;
}

/**
 * The weights as backprop multiplies with them: with the native GEMM, transposing is free and
 * the weights are used as they are; on wasm's own kernels they are transposed once, explicitly.
 */
export interface BackpropWeights {
  readonly mats: tf.Tensor2D[];
  /** True when `mats` are transposed copies (to dispose), false when they are the weights. */
  readonly copies: boolean;
}

export function backpropWeights(params: readonly tf.Tensor[]): BackpropWeights {
  const W = Array.from({ length: params.length / 2 }, (_, l) => params[2 * l] as tf.Tensor2D);
  return transposesAreFree() ? { mats: W, copies: false } : { mats: W.map((w) => tf.transpose(w)), copies: true };
}

export function disposeBackpropWeights(w: BackpropWeights): void {
  if (w.copies) tf.dispose(w.mats);
}

const onesRows = new Map<number, tf.Tensor2D>();
/** A [1, n] row of ones, kept for the process: bias gradients as one small matmul, not a Sum. */
function onesRow(n: number): tf.Tensor2D {
  const cached = onesRows.get(n);
  if (cached && !cached.isDisposed) return cached;
  const t = tf.keep(tf.ones([1, n]) as tf.Tensor2D);
  onesRows.set(n, t);
  return t;
}

/**
 * Backprop of an upstream gradient `dOut` (∂L/∂out) through the network recorded in `fwd`.
 * Returns ∂L/∂x when `wantInput`, and the parameter gradients [dW0, db0, ...] when `wantParams`.
 * ReLU' is taken from the layer inputs: h = relu(a) > 0 exactly where a > 0.
 */
export function mlpBackward(
  weights: BackpropWeights,
  fwd: Forward,
  dOut: tf.Tensor2D,
  wantParams: boolean,
  wantInput: boolean,
): { params?: tf.Tensor[]; input?: tf.Tensor2D } {
  const layers = weights.mats.length;
  const grads: tf.Tensor[] = new Array(2 * layers);
  // δ·Wᵀ: with transposed copies a plain product, else the GEMM transposes.
  const throughLayer = (delta: tf.Tensor2D, l: number) => (weights.copies ? tf.matMul(delta, weights.mats[l]) : tf.matMul(delta, weights.mats[l], false, true));
  let delta: tf.Tensor2D = dOut;
  let input: tf.Tensor2D | undefined;
  for (let l = layers - 1; l >= 0; l--) {
    if (wantParams) {
      grads[2 * l] = weights.copies ? tf.matMul(tf.transpose(fwd.inputs[l]), delta) : tf.matMul(fwd.inputs[l], delta, true, false);
      grads[2 * l + 1] = tf.reshape(tf.matMul(onesRow(delta.shape[0]), delta), [delta.shape[1]]);
    }
    if (l > 0) {
      delta = tf.mul(throughLayer(delta, l), tf.step(fwd.inputs[l])) as tf.Tensor2D;
    } else if (wantInput) {
      input = throughLayer(delta, 0) as tf.Tensor2D;
    }
  }
  return { params: wantParams ? grads : undefined, input };
}
