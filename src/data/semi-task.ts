// The semi-supervised task's three training sets (src/data/semi-split.ts), built once per thread
// from a run's task config and shared by every member with the same task: the unlabelled images
// (what the GAN trains on, copied out once so batches stream over them like any image set), the
// L labelled ones and the labelled validation set that fitness reads.
import { selectImages, semiSplit } from "./semi-split.ts";
import type { ImageData } from "./image-data.ts";

/** The task fields the split reads (an sgan config always has them: its family defaults fill them in). */
export interface SemiTaskFields {
  readonly labelled?: number;
  readonly validation?: number;
  readonly labelSeed?: number;
}

export interface SemiTaskData {
  readonly unlabelled: ImageData;
  readonly labelled: ImageData;
  readonly validation: ImageData;
}

const built = new Map<string, SemiTaskData>();

/** The split of `train` for `task`, built once per (training set, split options). */
export function semiTaskData(train: ImageData, task: SemiTaskFields): SemiTaskData {
  const { labelled, validation, labelSeed } = task;
  if (labelled === undefined || validation === undefined || labelSeed === undefined) throw new Error("a semi-supervised task needs task.labelled, task.validation and task.labelSeed");
  const key = JSON.stringify([train.name, train.count, labelled, validation, labelSeed]);
  let data = built.get(key);
  if (!data) {
    const split = semiSplit(train, { labelled, validation, seed: labelSeed, path: "task" });
    data = {
      unlabelled: selectImages(train, split.unlabelled, `${train.name}/unlabelled`),
      labelled: selectImages(train, split.labelled, `${train.name}/labelled`),
      validation: selectImages(train, split.validation, `${train.name}/validation`),
    };
    built.set(key, data);
  }
  return data;
}
