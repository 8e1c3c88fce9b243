// Builds the trainer of an image member (DCGAN, BigGAN: ImageEganTrainer; BigBiGAN:
// BigbiganTrainer; SGAN: SganTrainer, on the unlabelled part of the semi-supervised split) from
// its config, with the training set loaded once per thread and shared by every member that trains
// on the same data.
import type { ImageModelConfig, RunConfig, TaskConfig } from "../config/run-config.ts";
import { loadImageData, type ImageData, type ImageDatasetName } from "../data/image-dataset.ts";
import { bigbigan } from "../models/image/bigbigan.ts";
import { biggan } from "../models/image/biggan.ts";
import { dcgan } from "../models/image/dcgan.ts";
import type { ImageGanModel, ImageShape } from "../models/image/image-model.ts";
import { semiTaskData } from "../data/semi-task.ts";
import { sgan } from "../models/image/sgan.ts";
import { scoreMutations } from "../../strategies/egan.ts";
import { BigbiganTrainer } from "./bigbigan-trainer.ts";
import { ImageEganTrainer } from "./image-egan-trainer.ts";
import { SganTrainer } from "./sgan-trainer.ts";
import { isBigbiganState, isImageEganState, type TrainerState } from "./trainer.ts";

export type ImageTrainer = ImageEganTrainer | BigbiganTrainer | SganTrainer;

/** The parts of an image member's run config that shape its trainer. */
export type ImageTrainerConfig = Pick<RunConfig, "task" | "trainer" | "seed"> & { readonly model: ImageModelConfig };

const loaded = new Map<string, ImageData>();

/** The training set of a task; loaded once per thread (the images are read-only). */
export function trainingData(task: TaskConfig): ImageData {
  const key = JSON.stringify([task.dataset, task.limit ?? null, task.imagesFile ?? null, task.labelsFile ?? null, task.files ?? null]);
  let data = loaded.get(key);
  if (!data) {
    data = loadImageData(task.dataset as ImageDatasetName, "train", { limit: task.limit, imagesFile: task.imagesFile, labelsFile: task.labelsFile, files: task.files });
    loaded.set(key, data);
  }
  return data;
}

/** The generator side's model (for BigBiGAN, its BigGAN generator). */
export function imageModel(model: ImageModelConfig, shape: ImageShape, numClasses: number): ImageGanModel {
  switch (model.family) {
    case "dcgan":
      return dcgan({ zDim: model.zDim, width: model.width, shape });
    case "biggan":
      return biggan({ ...model, shape, numClasses: model.conditional ? numClasses : 0 });
    case "bigbigan":
      return bigbigan({ ...model, shape }).gen;
    case "sgan":
      return sgan({ ...model, shape, classes: numClasses });
  }
}

/** The trainer of an image member, fresh or from a state of its family (anything else is refused). */
export function makeImageTrainer(c: ImageTrainerConfig, state?: TrainerState): ImageTrainer {
  const data = trainingData(c.task);
  const shape = { height: data.height, width: data.width, channels: data.channels };
  const t = c.trainer;
  const common = {
    data,
    mutations: t.mutations,
    gamma: t.gamma,
    nD: t.nD,
    batchSize: t.batchSize,
    evalBatchSize: t.evalBatchSize,
    g: t.g,
    d: t.d,
    orthoReg: t.orthoReg,
    ema: t.ema,
    seed: c.seed,
  };
  const m = c.model;
  if (m.family === "bigbigan") {
    if (state && !isBigbiganState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
    return new BigbiganTrainer(
      {
        ...common,
        mutations: scoreMutations(t.mutations),
        model: bigbigan({ ...m, shape }),
        eLrScale: m.encoderLrScale,
        terms: { sx: m.unaryX, sz: m.unaryZ },
        stochasticEncoder: m.stochasticEncoder,
      },
      state,
    );
  }
  if (state && !isImageEganState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
  if (m.family === "sgan") {
    const semi = semiTaskData(data, c.task);
    const model = sgan({ ...m, shape, classes: data.numClasses });
    return new SganTrainer({ ...common, data: semi.unlabelled, labelled: semi.labelled, unlabelledWeight: m.unlabelledWeight, model, mu: t.mu, dLoss: t.dLoss }, state);
  }
  return new ImageEganTrainer({ ...common, model: imageModel(m, shape, data.numClasses), mu: t.mu, dLoss: t.dLoss }, state);
}
