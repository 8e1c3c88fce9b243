// Builds the trainer of an image member from its config: DCGAN, BigGAN: ImageEganTrainer;
// BigBiGAN: BigbiganTrainer; SGAN: SganTrainer, on the unlabelled part of the semi-supervised
// split; augmented BiGAN: AugbiganTrainer, on the same split; PGGAN: PgganTrainer, which grows the model by its schedule; CycleGAN: CycleganTrainer, on
// the unpaired translation task of src/data/unpaired-domains.ts. The training set (and each task
// built from it) is loaded once per thread and shared by every member that trains on the same data.
import type { ImageModelConfig, RunConfig, TaskConfig, TrainerConfig } from "../config/run-config.ts";
import { loadImageData, type ImageData, type ImageDatasetName } from "../data/image-dataset.ts";
import { bigbigan } from "../models/image/bigbigan.ts";
import { biggan } from "../models/image/biggan.ts";
import { dcgan } from "../models/image/dcgan.ts";
import type { ImageGanModel, ImageShape } from "../models/image/image-model.ts";
import { semiTaskData } from "../data/semi-task.ts";
import { sgan } from "../models/image/sgan.ts";
import { pggan } from "../models/image/pggan.ts";
import { scoreMutations } from "../../strategies/egan.ts";
import { unpairedDatasetsTask, unpairedTask, type UnpairedDataset, type UnpairedTask } from "../data/unpaired-domains.ts";
import type { CycleDLoss } from "../losses/cycle-losses.ts";
import { cyclegan } from "../models/image/cyclegan.ts";
import { CycleganTrainer } from "./cyclegan-trainer.ts";
import { BigbiganTrainer } from "./bigbigan-trainer.ts";
import { AugbiganTrainer } from "./augbigan-trainer.ts";
import { augbigan } from "../models/image/augbigan.ts";
import { ImageEganTrainer } from "./image-egan-trainer.ts";
import { SganTrainer } from "./sgan-trainer.ts";
import { PgganTrainer } from "./pggan-trainer.ts";
import { isEncoderGanState, isCycleganState, isImageEganState, type TrainerState } from "./trainer.ts";

/** The trainer of an image family that draws images from z (every image family but CycleGAN, which translates them: makeCycleganTrainer). */
export type ImageTrainer = ImageEganTrainer | BigbiganTrainer | SganTrainer | AugbiganTrainer | PgganTrainer;

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

const testSets = new Map<string, ImageData>();

/** A dataset's own test set; loaded once per thread. */
export function testData(dataset: ImageDatasetName): ImageData {
  let data = testSets.get(dataset);
  if (!data) testSets.set(dataset, (data = loadImageData(dataset, "test")));
  return data;
}

const unpairedTasks = new Map<string, UnpairedTask>();

/**
 * A cyclegan task (src/data/unpaired-domains.ts): the training set split into domain A, domain B
 * under task.transform and the held-out validation pairs, and the whole test set as test pairs;
 * built once per thread and shared by every member with the same task.
 */
export function unpairedTaskData(task: TaskConfig): UnpairedTask {
  const { transform, domainB, splitSeed, validation } = task;
  if ((transform === undefined && domainB === undefined) || splitSeed === undefined || validation === undefined) throw new Error("a translation task needs task.transform (or task.domainB), task.splitSeed and task.validation");
  const key = JSON.stringify([task.dataset, task.limit ?? null, transform ?? null, domainB ?? null, splitSeed, validation]);
  let built = unpairedTasks.get(key);
  if (!built) {
    const dataset = task.dataset as UnpairedDataset;
    const o = { seed: splitSeed, validation };
    built =
      domainB === undefined
        ? unpairedTask(trainingData(task), testData(dataset), { ...o, transform, bDataset: dataset })
        : unpairedDatasetsTask(trainingData(task), testData(dataset), trainingData({ ...task, dataset: domainB }), testData(domainB), { ...o, bDataset: domainB });
    unpairedTasks.set(key, built);
  }
  return built;
}

/** The run config's D loss as CycleGAN's trainer takes it (the config refuses any other for cyclegan). */
function cycleDLoss(kind: TrainerConfig["dLoss"]): CycleDLoss {
  if (kind !== "least-squares" && kind !== "bce") throw new Error(`CycleGAN's D loss is least-squares or bce, not ${kind}`);
  return kind;
}

/** The generator side's model (for BigBiGAN, its BigGAN generator; for PGGAN, fully grown). */
export function imageModel(model: ImageModelConfig, shape: ImageShape, numClasses: number): ImageGanModel {
  switch (model.family) {
    case "dcgan":
      return dcgan({ ...model, shape });
    case "biggan":
      return biggan({ ...model, shape, numClasses: model.conditional ? numClasses : 0 });
    case "bigbigan":
      return bigbigan({ ...model, shape }).gen;
    case "sgan":
      return sgan({ ...model, shape, classes: numClasses });
    case "pggan": {
      const p = pggan({ zDim: model.zDim, width: model.width, shape, stages: model.growth.hold.length + 1 });
      return p.atGrowth(p.stages - 1, 1);
    }
    case "augbigan":
      throw new Error("augbigan's D scores (x, z) pairs: its trainer is AugbiganTrainer");
    case "cyclegan":
      throw new Error("cyclegan draws no images from z: its G and F translate images (CycleganTrainer)");
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
    evolveEvery: t.evolveEvery,
    selection: t.selection,
    seed: c.seed,
  };
  const m = c.model;
  if (m.family === "bigbigan") {
    if (state && !isEncoderGanState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
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
  if (m.family === "augbigan") {
    if (state && !isEncoderGanState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
    const semi = semiTaskData(data, c.task);
    const model = augbigan({ ...m, shape, classes: data.numClasses });
    const { thirdPair, thirdPairLoss, thirdPairWeight, invariance, unlabelledWeight } = m;
    return new AugbiganTrainer({ ...common, data: semi.unlabelled, labelled: semi.labelled, model, unlabelledWeight, thirdPair, thirdPairLoss, thirdPairWeight, eLrScale: m.encoderLrScale, invariance }, state);
  }
  if (m.family === "cyclegan") throw new Error("a cyclegan member translates images, it draws none from z: build it with makeCycleganTrainer");
  if (state && !isImageEganState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
  if (m.family === "sgan") {
    const semi = semiTaskData(data, c.task);
    const model = sgan({ ...m, shape, classes: data.numClasses });
    return new SganTrainer({ ...common, data: semi.unlabelled, labelled: semi.labelled, unlabelledWeight: m.unlabelledWeight, model, mu: t.mu, dLoss: t.dLoss, dEma: m.classifierEma }, state);
  }
  if (m.family === "pggan") {
    const model = pggan({ zDim: m.zDim, width: m.width, shape, stages: m.growth.hold.length + 1 });
    return new PgganTrainer({ ...common, pggan: model, schedule: m.growth, mu: t.mu, dLoss: t.dLoss }, state);
  }
  return new ImageEganTrainer({ ...common, model: imageModel(m, shape, data.numClasses), mu: t.mu, dLoss: t.dLoss }, state);
}

/** The trainer of a CycleGAN member on its config's unpaired task, fresh or from a CycleGAN state (anything else is refused). */
export function makeCycleganTrainer(c: ImageTrainerConfig, state?: TrainerState): CycleganTrainer {
  const m = c.model;
  if (m.family !== "cyclegan") throw new Error(`makeCycleganTrainer builds cyclegan members, not ${m.family}`);
  if (state && !isCycleganState(state)) throw new Error(`a ${m.family} member cannot continue from this checkpoint: it holds another family's state`);
  const t = c.trainer;
  if (t.lambda === undefined || t.identity === undefined) throw new Error("a cyclegan member needs trainer.lambda and trainer.identity");
  const task = unpairedTaskData(c.task);
  const shape = { height: task.a.height, width: task.a.width, channels: task.a.channels };
  const model = cyclegan({ shape, gWidth: m.gWidth, blocks: m.blocks, dWidth: m.dWidth });
  const { batchSize, evalBatchSize, gamma, g, d, lambda, identity, selection } = t;
  return new CycleganTrainer({ model, a: task.a, b: task.b, seed: c.seed, mutations: scoreMutations(t.mutations), selection, gamma, batchSize, evalBatchSize, g, d, lambda, identity, dLoss: cycleDLoss(t.dLoss) }, state);
}
