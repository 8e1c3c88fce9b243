// Named parameters of the image models (DCGAN, BigGAN, BigBiGAN).
//
// A model's weights are a flat, insertion-ordered record name → tensor. Names are dot paths
// ("g.block0.conv1.w"). Entries whose name ends in ".u" are spectral-norm power-iteration
// vectors: persistent state, not trained (no gradient, no Adam moments). A forward pass in
// training mode writes each new u into an `Updates` map; the trainer commits them after the step.
//
// Layouts follow tfjs: conv filters [kh, kw, cin, cout], dense weights [in, out], images NHWC.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../util/rng.ts";

export type Params = Readonly<Record<string, tf.Tensor>>;

/** New spectral-norm u vectors written by a forward pass (name → tensor), to commit after a step. */
export type Updates = Map<string, tf.Tensor>;

/** Plain arrays of a Params record, for checkpoints and for moving a member between workers. */
export type ParamData = Record<string, { readonly shape: number[]; readonly data: Float32Array }>;

export const isBuffer = (name: string): boolean => name.endsWith(".u");

/** The trained entries (everything but the u buffers), in order. */
export function trainableNames(p: Params): string[] {
  return Object.keys(p).filter((n) => !isBuffer(n));
}

/**
 * The values of `p` as plain arrays, read with awaited reads (the webgpu backend has no
 * synchronous ones in Node). The reads are all issued before the first is awaited, so a GPU
 * backend copies them back in one go.
 */
export async function readParamData(p: Params): Promise<ParamData> {
  const entries = Object.entries(p);
  const values = await Promise.all(entries.map(([, t]) => t.data()));
  const out: ParamData = {};
  entries.forEach(([name, t], i) => (out[name] = { shape: t.shape.slice(), data: values[i] as Float32Array }));
  return out;
}

export function fromParamData(d: ParamData): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { shape, data }] of Object.entries(d)) out[name] = tf.tensor(data, shape, "float32");
  return out;
}

export function disposeParams(p: Params): void {
  tf.dispose(Object.values(p));
}

/** New tensors of p's shapes, every value `value` (fault injection: NaN weights). */
export function filledLike(p: Params, value: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(p)) out[name] = tf.fill(t.shape, value);
  return out;
}

/** `p` with the u vectors of `updates` swapped in (the replaced ones are not disposed). */
export function withUpdates(p: Params, updates: Updates): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { ...p };
  for (const [name, u] of updates) {
    if (!(name in out)) throw new Error(`update for unknown parameter ${name}`);
    out[name] = u;
  }
  return out;
}

/** Float32 arrays with their shapes, made by an initializer before becoming tensors. */
export type InitArrays = Record<string, { shape: number[]; data: Float32Array }>;

/** Collects a model's initial weights, in the order they are declared. */
export class ParamInit {
  readonly arrays: InitArrays = {};
  constructor(readonly rng: Rng) {}

  add(name: string, shape: number[], data: Float32Array): void {
    if (name in this.arrays) throw new Error(`parameter ${name} declared twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`parameter ${name}: ${data.length} values for shape [${shape}]`);
    this.arrays[name] = { shape, data };
  }

  zeros(name: string, shape: number[]): void {
    this.add(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  }

  ones(name: string, shape: number[]): void {
    this.add(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
  }

  normal(name: string, shape: number[], std: number): void {
    this.add(name, shape, this.rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, std));
  }

  tensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, { shape, data }] of Object.entries(this.arrays)) out[name] = tf.tensor(data, shape, "float32");
    return out;
  }
}
