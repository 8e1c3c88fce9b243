// The in-memory form every image dataset loader returns (MNIST, Fashion-MNIST, CIFAR-10): NHWC
// Float32 pixels in [−1, 1] (the range of a tanh generator) plus one byte label per example, and
// the two operations on it that do not depend on where it came from: building it from raw bytes
// (seeded shuffle, limit, scaling) and gathering a minibatch by example indices.

import { Rng } from "../util/rng.ts";

export interface ImageData {
  /** Dataset and split, e.g. "mnist/train". */
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of classes labels are drawn from (10 for all built-in sets). */
  readonly numClasses: number;
  /** count × height × width × channels (NHWC), values in [−1, 1]. */
  readonly images: Float32Array;
  /** count labels in 0..numClasses−1. */
  readonly labels: Uint8Array;
}

/** Which examples a loader keeps, and in what order. */
export interface ImageSelection {
  /** When given, examples are shuffled by new Rng(seed).permutation(count) before `limit`. */
  readonly seed?: number;
  /** Keep only the first `limit` examples (after shuffling). */
  readonly limit?: number;
}

/** Raw bytes as a format reader produces them: NHWC pixels 0..255 and labels. */
export interface ImageBytes {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** count × height × width × channels bytes, NHWC. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/**
 * Raw bytes → ImageData: optional seeded shuffle, optional limit, then x / 127.5 − 1.
 * `numClasses` bounds the labels; a label outside 0..numClasses−1 is an error naming `source`.
 */
export function imageDataFromBytes(name: string, bytes: ImageBytes, numClasses: number, sel: ImageSelection = {}, source = name): ImageData {
  const { count: total, height, width, channels, pixels, labels } = bytes;
  const per = height * width * channels;
  if (pixels.length !== total * per) throw new Error(`${source}: ${total} images of ${height}×${width}×${channels} need ${total * per} pixel bytes, got ${pixels.length}`);
  if (labels.length !== total) throw new Error(`${source}: ${total} images but ${labels.length} labels`);
  for (let i = 0; i < total; i++) {
    if (labels[i] >= numClasses) throw new Error(`${source}: label ${labels[i]} at example ${i} is outside 0..${numClasses - 1}`);
  }
  let count = total;
  if (sel.limit !== undefined) {
    if (!Number.isInteger(sel.limit) || sel.limit < 0) throw new Error(`${name}: limit must be a non-negative integer, got ${sel.limit}`);
    count = Math.min(count, sel.limit);
  }
  if (sel.seed !== undefined && !Number.isInteger(sel.seed)) throw new Error(`${name}: seed must be an integer, got ${sel.seed}`);
  const order = sel.seed === undefined ? undefined : new Rng(sel.seed).permutation(total);
  const images = new Float32Array(count * per);
  const outLabels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const src = order === undefined ? i : order[i];
    outLabels[i] = labels[src];
    const from = src * per;
    const to = i * per;
    for (let j = 0; j < per; j++) images[to + j] = pixels[from + j] / 127.5 - 1;
  }
  return { name, count, height, width, channels, numClasses, images, labels: outLabels };
}

/** Copies a batch of the given example indices into NHWC floats + labels. */
export function gatherBatch(data: ImageData, indices: ArrayLike<number>): { images: Float32Array; labels: Int32Array } {
  const per = data.height * data.width * data.channels;
  const n = indices.length;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= data.count) throw new Error(`${data.name}: example index ${k} is outside 0..${data.count - 1}`);
    images.set(data.images.subarray(k * per, (k + 1) * per), i * per);
    labels[i] = data.labels[k];
  }
  return { images, labels };
}
