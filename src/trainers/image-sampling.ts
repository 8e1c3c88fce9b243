// Drawing images from a generator: z ~ N(0, I), or truncated at a threshold (values beyond it
// are resampled: the truncation trick), class labels in turn or one fixed class. Batch norm
// uses the statistics of the batch (as BigGAN-PyTorch does without its standing-stats pass), so
// samples are drawn in batches of at least SAMPLE_BATCH, a short last batch padded to full size.
import * as tf from "@tensorflow/tfjs";
import type { ImageGanModel } from "../models/image/image-model.ts";
import type { Params } from "../models/image/params.ts";
import { truncatedNormalArray } from "../models/image/truncation.ts";
import type { Rng } from "../util/rng.ts";

export interface SampleOptions {
  /** Resample |z| beyond this (the truncation trick); undefined: plain normal. */
  readonly truncation?: number;
  /** One class for every sample (conditional models); default: classes in turn. */
  readonly classLabel?: number;
  /** Sample from the EMA generator when there is one (default true). */
  readonly ema?: boolean;
}

export interface SampledImages {
  /** n × H × W × C, in [−1, 1]. */
  readonly images: Float32Array;
  readonly labels?: Int32Array;
}

export const SAMPLE_BATCH = 64;

/** What sampling needs of a model: its generator and shapes. */
export type SampledModel = Pick<ImageGanModel, "zDim" | "numClasses" | "shape" | "generate">;

export async function sampleImages(model: SampledModel, g: Params, n: number, rng: Rng, opts: SampleOptions, minBatch: number): Promise<SampledImages> {
  if (opts.classLabel !== undefined && (model.numClasses === 0 || !Number.isInteger(opts.classLabel) || opts.classLabel < 0 || opts.classLabel >= model.numClasses)) {
    throw new Error(model.numClasses === 0 ? "this generator is unconditional: it takes no class" : `class must be an integer in 0..${model.numClasses - 1}, got ${opts.classLabel}`);
  }
  const per = model.shape.height * model.shape.width * model.shape.channels;
  const images = new Float32Array(n * per);
  const labels = model.numClasses > 0 ? new Int32Array(n) : undefined;
  if (labels) for (let i = 0; i < n; i++) labels[i] = opts.classLabel ?? i % model.numClasses;
  const batch = Math.max(SAMPLE_BATCH, minBatch);
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const zs = truncatedNormalArray(rng, batch * model.zDim, opts.truncation);
    const out = tf.tidy(() => {
      const y = labels ? tf.tensor1d(Array.from({ length: batch }, (_, i) => labels[Math.min(start + i, n - 1)]), "int32") : undefined;
      return model.generate(g, tf.tensor2d(zs, [batch, model.zDim]), y);
    });
    images.set(((await out.data()) as Float32Array).subarray(0, rows * per), start * per);
    out.dispose();
  }
  return { images, labels };
}

/**
 * f(x) for n images x (NHWC, [−1, 1]) of `shape`, in batches of at least SAMPLE_BATCH and
 * `minBatch` (a short last batch padded by repeating its last image, as sampling pads): an
 * encoder–generator's reconstructions G(E(x)).
 */
export async function mapImages(f: (x: tf.Tensor4D) => tf.Tensor4D, shape: ImageGanModel["shape"], images: Float32Array, n: number, minBatch: number): Promise<Float32Array> {
  const { height, width, channels } = shape;
  const per = height * width * channels;
  const out = new Float32Array(n * per);
  const batch = Math.max(SAMPLE_BATCH, minBatch);
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const x = new Float32Array(batch * per);
    for (let i = 0; i < batch; i++) {
      const from = start + Math.min(i, rows - 1);
      x.set(images.subarray(from * per, (from + 1) * per), i * per);
    }
    const r = tf.tidy(() => f(tf.tensor4d(x, [batch, height, width, channels])));
    out.set(((await r.data()) as Float32Array).subarray(0, rows * per), start * per);
    r.dispose();
  }
  return out;
}
