// `evogan classifier train` trains an evaluation classifier (src/metrics/classifier) and writes its
// weights and sidecar, and its FID reference; `evogan classifier reference` writes the FID
// reference of the committed classifier; `evogan metrics real` prints FID, IS and class TVD of
// real test images against the training-set reference: the numbers generated samples are compared to.
import { Command, Option } from "commander";
import { dirname, relative } from "node:path";
import { BACKEND_CHOICES, useBackend, type BackendChoice } from "../compute/backend.ts";
import { loadImageData } from "../data/image-dataset.ts";
import { MNIST_CLASSIFIER_SPEC } from "../metrics/classifier/classifier-model.ts";
import { classifierFile, classifierName, readSidecar, saveClassifier } from "../metrics/classifier/classifier-weights.ts";
import { classify, classScores, computeReference, DEFAULT_REFERENCE_SIZE, evaluationClassifier, imageMetrics, REFERENCE_SEED } from "../metrics/classifier/image-metrics.ts";
import type { Classifier } from "../metrics/classifier/classifier-model.ts";
import { writeReference } from "../metrics/classifier/reference-file.ts";
import { CLASSIFIER_DATASETS, defaultRecipe, trainClassifier, type ClassifierDataset, type EpochLog } from "../metrics/classifier/train-classifier.ts";
import { exitWith } from "./exit-codes.ts";
import { nonNegativeInt, positiveInt } from "./option-values.ts";

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const shown = (file: string): string => relative(process.cwd(), file) || file;

interface TrainOptions {
  readonly dataset: ClassifierDataset;
  readonly epochs?: number;
  readonly seed?: number;
  readonly out?: string;
  readonly backend: BackendChoice;
}

async function trainCommand(opts: TrainOptions): Promise<void> {
  const backend = await useBackend(opts.backend);
  const base = defaultRecipe(opts.dataset);
  const recipe = { ...base, epochs: opts.epochs ?? base.epochs, seed: opts.seed ?? base.seed };
  const train = loadImageData(opts.dataset, "train");
  const test = loadImageData(opts.dataset, "test");
  const out = opts.out ?? dirname(classifierFile(opts.dataset));
  const line = (s: string) => process.stdout.write(s + "\n");
  line(`training the ${opts.dataset} evaluation classifier on ${backend}: ${train.count} train / ${test.count} test images, recipe ${JSON.stringify(recipe)}`);
  const onEpoch = (e: EpochLog) =>
    line(`epoch ${e.epoch}/${recipe.epochs}  lr ${e.lr.toExponential(2)}  loss ${e.loss.toFixed(4)}  test accuracy ${pct(e.testAccuracy)}  ${e.seconds.toFixed(1)} s`);
  const result = await trainClassifier(MNIST_CLASSIFIER_SPEC, recipe, train, test, onEpoch);
  const file = await saveClassifier(result.classifier, out, classifierName(opts.dataset), {
    dataset: opts.dataset,
    recipe,
    testAccuracy: result.testAccuracy,
    testCount: test.count,
    epochs: result.epochs,
    backend,
  });
  line(`wrote ${shown(file)} and its .bin (test accuracy ${pct(result.testAccuracy)} on ${test.count} test images)`);
  const sidecar = readSidecar(file);
  line(`wrote ${shown(await saveReference(result.classifier, opts.dataset, sidecar.sha256, backend, out))}: the FID reference of the new classifier`);
}

/** Computes and writes the FID reference of `classifier` (whose weights have sha256 `sha`) into `dir`; returns the sidecar's path. */
async function saveReference(classifier: Classifier, dataset: ClassifierDataset, sha: string, backend: string, dir: string): Promise<string> {
  const stats = await computeReference(classifier, dataset);
  return writeReference(stats, { dataset, n: stats.n, seed: REFERENCE_SEED, classifierSha256: sha, backend }, dir);
}

interface ReferenceOptions {
  readonly dataset: ClassifierDataset;
  readonly out?: string;
  readonly backend: BackendChoice;
}

async function referenceCommand(opts: ReferenceOptions): Promise<void> {
  const backend = await useBackend(opts.backend);
  const file = classifierFile(opts.dataset);
  const sidecar = readSidecar(file);
  const out = opts.out ?? dirname(file);
  const written = await saveReference(evaluationClassifier(opts.dataset), opts.dataset, sidecar.sha256, backend, out);
  process.stdout.write(`wrote ${shown(written)} and its .bin: classifier features of ${DEFAULT_REFERENCE_SIZE} ${opts.dataset} training images (shuffle seed ${REFERENCE_SEED}) on ${backend}\n`);
}

interface RealOptions {
  readonly dataset: ClassifierDataset;
  readonly n: number;
  readonly backend: BackendChoice;
}

async function metricsRealCommand(opts: RealOptions): Promise<void> {
  await useBackend(opts.backend);
  const sidecar = readSidecar(classifierFile(opts.dataset));
  const classifier = evaluationClassifier(opts.dataset);
  const test = loadImageData(opts.dataset, "test", { limit: opts.n });
  const real = await imageMetrics(test.images, test.count, opts.dataset);
  const train = loadImageData(opts.dataset, "train", { seed: REFERENCE_SEED, limit: DEFAULT_REFERENCE_SIZE });
  const own = classScores((await classify(classifier, train.images, train.count)).probs, train.count, classifier.spec.classes);
  const line = (s: string) => process.stdout.write(s + "\n");
  line(`${opts.dataset}: classifier ${shown(classifierFile(opts.dataset))} (test accuracy ${pct(sidecar.testAccuracy)} on ${sidecar.testCount} images)`);
  line(`reference: classifier features of ${DEFAULT_REFERENCE_SIZE} training images (shuffle seed ${REFERENCE_SEED})`);
  line(`real test images   n=${real.samples}  FID ${real.fid.toFixed(3)}  IS ${real.inceptionScore.toFixed(3)}  class TVD ${real.classTvd.toFixed(4)}`);
  line(`training images    n=${train.count}  FID 0 (the reference itself)  IS ${own.inceptionScore.toFixed(3)}  class TVD ${own.classTvd.toFixed(4)}`);
}

export function registerClassifierCommands(program: Command): void {
  const datasetOption = () => new Option("--dataset <name>", "dataset").choices([...CLASSIFIER_DATASETS]).default("mnist");
  const backendOption = () => new Option("--backend <name>", "compute backend").choices([...BACKEND_CHOICES]).default("auto");
  const classifier = program.command("classifier").description("the evaluation classifier behind the image metrics (FID, IS, class TVD)");
  classifier
    .command("train")
    .description("train the evaluation classifier; prints loss and test accuracy per epoch, writes <dataset>-classifier.{bin,json}")
    .addOption(datasetOption())
    .option("--epochs <n>", "epochs over the training set (default: the recipe's)", nonNegativeInt)
    .option("--seed <s>", "seed of the weights, shuffling and shifts (default: the recipe's)", nonNegativeInt)
    .option("--out <dir>", "where to write the weights (default: next to the code, the committed location)")
    .addOption(backendOption())
    .action((opts: TrainOptions) => exitWith(() => trainCommand(opts)));
  classifier
    .command("reference")
    .description("write <dataset>-reference.{bin,json}: the FID reference statistics of the committed classifier, which image processes then read instead of computing")
    .addOption(datasetOption())
    .option("--out <dir>", "where to write them (default: next to the classifier, the committed location)")
    .addOption(backendOption())
    .action((opts: ReferenceOptions) => exitWith(() => referenceCommand(opts)));
  const metrics = program.command("metrics").description("image metrics of reference data");
  metrics
    .command("real")
    .description("FID, IS and class TVD of real test images against the training-set reference (what generated samples are compared to)")
    .addOption(datasetOption())
    .option("--n <count>", "test images to score", positiveInt, 10_000)
    .addOption(backendOption())
    .action((opts: RealOptions) => exitWith(() => metricsRealCommand(opts)));
}
