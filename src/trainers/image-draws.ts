// The random draws of the image trainers: real minibatches from a seeded, resumable BatchStream,
// latent vectors z ~ N(0, I), and uniformly drawn class labels for conditional models.
import * as tf from "@tensorflow/tfjs";
import { BatchStream, type BatchStreamState, type ImageData } from "../data/image-dataset.ts";
import { Rng, type RngState } from "../util/rng.ts";

/** Throws unless the data's images have the shape the model draws. */
export function checkImageShape(model: { readonly height: number; readonly width: number; readonly channels: number }, data: ImageData): void {
  if (model.height !== data.height || model.width !== data.width || model.channels !== data.channels) {
    throw new Error(`model expects ${model.height}×${model.width}×${model.channels} images, ${data.name} has ${data.height}×${data.width}×${data.channels}`);
  }
}

export interface ImageDrawsState {
  readonly rng: RngState;
  readonly stream: BatchStreamState;
}

export class ImageDraws {
  private readonly rng: Rng;
  private readonly stream: BatchStream;

  constructor(
    private readonly data: ImageData,
    readonly zDim: number,
    readonly numClasses: number,
    batchSize: number,
    seed: number,
    state?: ImageDrawsState,
  ) {
    this.rng = state ? Rng.fromState(state.rng) : new Rng(seed, 2);
    this.stream = new BatchStream(data, batchSize, seed, state?.stream);
  }

  state(): ImageDrawsState {
    return { rng: this.rng.state(), stream: this.stream.state() };
  }

  z(n: number): tf.Tensor2D {
    return tf.tensor2d(this.rng.normalArray(n * this.zDim), [n, this.zDim]);
  }

  /** n indices drawn uniformly (with replacement) from 0..count−1. */
  indices(n: number, count: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.rng.int(count));
  }

  /** The draws' generator itself, for a model's noise layers: its draws are then in the checkpoint too. */
  get noise(): Rng {
    return this.rng;
  }

  normal(n: number, dim: number): tf.Tensor2D {
    return tf.tensor2d(this.rng.normalArray(n * dim), [n, dim]);
  }

  /** Class labels drawn uniformly; undefined for an unconditional model. */
  labels(n: number): tf.Tensor1D | undefined {
    if (this.numClasses === 0) return undefined;
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = this.rng.int(this.numClasses);
    return tf.tensor1d(y, "int32");
  }

  /** n real images (and their labels for a conditional model), from as many stream batches as it takes. */
  real(n: number): { x: tf.Tensor4D; y: tf.Tensor1D | undefined } {
    const { height, width, channels } = this.data;
    const per = height * width * channels;
    const images = new Float32Array(n * per);
    const labels = new Int32Array(n);
    for (let have = 0; have < n; ) {
      const b = this.stream.next();
      const take = Math.min(b.labels.length, n - have);
      images.set(b.images.subarray(0, take * per), have * per);
      labels.set(b.labels.subarray(0, take), have);
      have += take;
    }
    return { x: tf.tensor4d(images, [n, height, width, channels]), y: this.numClasses > 0 ? tf.tensor1d(labels, "int32") : undefined };
  }
}
