// The semi-supervised task's split of a training set (SGAN, Odena 2016; feature matching,
// Salimans et al. 2016): L labelled images, a labelled validation set, the rest unlabelled.
//
// Both labelled sets are balanced over the classes, L/N and V/N images of each of the N classes,
// as in Salimans et al.'s code (the first `count` images of each class after a seeded
// permutation). Here one seeded permutation of the training set orders each class's images; the
// first L/N of each class are labelled, the next V/N are validation, and every other image is
// unlabelled, so the three sets are disjoint by construction and a seed fixes all three.
// Validation images are never trained on, not even as unlabelled data: they are the fitness a
// sweep may select on, and the test set is kept for the final figure only (a test split is refused).
//
// The split is indices into the training set: the unlabelled part is most of it, and copying
// 59k images would double the data's memory. `selectImages` copies the small labelled sets out.

import { ConfigError } from "../errors.ts";
import { Rng } from "../util/rng.ts";
import { gatherBatch, type ImageData } from "./image-data.ts";

export interface SemiSplitOptions {
  /** L, the number of labelled training images; a multiple of the class count. */
  readonly labelled: number;
  /** V, the number of labelled validation images; a multiple of the class count. */
  readonly validation: number;
  /** Seeds the choice of images (the "seed of the label choice" of the papers' tables). */
  readonly seed: number;
  /** Dot-path that errors name the options under (the config section they come from). */
  readonly path?: string;
}

export const SEMI_SPLIT_DEFAULTS = {
  // Salimans et al. 2016, Table 1, and Odena 2016: the standard MNIST benchmark of 100 labels.
  labelled: 100,
  // 1000 images (100 a class) read an accuracy to within ±1.9 points at 90% and ±1.1 at 97%
  // (binomial 95% interval), enough to rank members, and take only 1.7% of MNIST's training set.
  validation: 1000,
} as const;

/** Indices into the training set, each ascending. */
export interface SemiSplit {
  readonly labelled: Int32Array;
  readonly validation: Int32Array;
  readonly unlabelled: Int32Array;
}

/** What the split reads of a dataset: its name (to refuse a test split), its labels and class count. */
export type LabelledSet = Pick<ImageData, "name" | "count" | "labels" | "numClasses">;

function perClass(n: number, what: string, field: string, classes: number): number {
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(field, `${what} must be a non-negative integer, got ${n}`);
  if (n % classes !== 0) throw new ConfigError(field, `${what} must be a multiple of the ${classes} classes so that every class has as many, got ${n}`);
  return n / classes;
}

/** The seeded, class-balanced split of `train` into labelled, validation and unlabelled indices. */
export function semiSplit(train: LabelledSet, opts: SemiSplitOptions): SemiSplit {
  const prefix = opts.path === undefined ? "" : `${opts.path}.`;
  const classes = train.numClasses;
  if (train.name.endsWith("/test")) throw new Error(`semi-supervised split: ${train.name} is a test split; split the training set and keep the test set for the final figure`);
  const nL = perClass(opts.labelled, "the labelled count", `${prefix}labelled`, classes);
  const nV = perClass(opts.validation, "the validation count", `${prefix}validation`, classes);
  if (nL === 0) throw new ConfigError(`${prefix}labelled`, "at least one labelled image per class is needed, got 0");
  if (!Number.isInteger(opts.seed)) throw new ConfigError(`${prefix}seed`, `must be an integer, got ${opts.seed}`);

  // Each class's images in the order of one seeded permutation of the whole set.
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of new Rng(opts.seed).permutation(train.count)) byClass[train.labels[i]].push(i);
  const role = new Uint8Array(train.count); // 0 unlabelled, 1 labelled, 2 validation
  byClass.forEach((members, c) => {
    if (members.length < nL + nV) {
      throw new ConfigError(`${prefix}labelled`, `${train.name} has ${members.length} images of class ${c}, fewer than the ${nL} labelled + ${nV} validation asked for each class`);
    }
    for (let k = 0; k < nL + nV; k++) role[members[k]] = k < nL ? 1 : 2;
  });
  const pick = (r: number): Int32Array => {
    const out: number[] = [];
    for (let i = 0; i < train.count; i++) if (role[i] === r) out.push(i);
    return Int32Array.from(out);
  };
  return { labelled: pick(1), validation: pick(2), unlabelled: pick(0) };
}

/** A copy of the examples at `indices` as ImageData named `name` (the labelled and validation sets). */
export function selectImages(data: ImageData, indices: ArrayLike<number>, name: string): ImageData {
  const { images, labels } = gatherBatch(data, indices);
  return { ...data, name, count: indices.length, images, labels: Uint8Array.from(labels) };
}
