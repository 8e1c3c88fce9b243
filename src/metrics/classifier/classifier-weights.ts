// The evaluation classifier's weights on disk: `<name>.bin` holds every parameter as little-endian
// float32, concatenated in PARAM_NAMES order; `<name>.json` is the sidecar with the architecture,
// the shapes, the sha256 of the .bin, the training recipe and the test accuracy measured right after
// training. Loading is synchronous (worker threads call it while computing metrics) and refuses a
// .bin whose size or sha256 does not match, naming the file.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { classifierFromArrays, PARAM_NAMES, paramShapes, type Classifier, type ClassifierSpec, type ParamName } from "./classifier-model.ts";
import type { ClassifierDataset, ClassifierRecipe, EpochLog } from "./train-classifier.ts";
import { ClassifierWeightsError } from "../../errors.ts";

export const WEIGHTS_FORMAT = "evogan-classifier/1";

/** Base name of a dataset's committed classifier: `<dataset>-classifier`.{bin,json}. */
export const classifierName = (dataset: ClassifierDataset): string => `${dataset}-classifier`;

/** The committed sidecar of a dataset's classifier (its .bin lies next to it). */
export const classifierFile = (dataset: ClassifierDataset): string => fileURLToPath(new URL(`./${classifierName(dataset)}.json`, import.meta.url));

export const MNIST_CLASSIFIER_FILE = classifierFile("mnist");

export interface ClassifierSidecar {
  readonly format: typeof WEIGHTS_FORMAT;
  readonly dataset: string;
  readonly spec: ClassifierSpec;
  /** File name of the weights, relative to the sidecar's directory. */
  readonly weights: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly params: ReadonlyArray<{ readonly name: ParamName; readonly shape: readonly number[] }>;
  readonly recipe: ClassifierRecipe;
  /** Accuracy (0..1) on the test split measured after training, and that split's size. */
  readonly testAccuracy: number;
  readonly testCount: number;
  readonly epochs: readonly EpochLog[];
  readonly backend: string;
  readonly trainedAt: string;
}

/** The hex sha256 of `bytes`, as the sidecars record it. */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Parameters as little-endian float32 bytes, in PARAM_NAMES order. */
export function encodeWeights(arrays: Record<ParamName, Float32Array>): Uint8Array {
  const total = PARAM_NAMES.reduce((s, n) => s + arrays[n].length, 0);
  const bytes = new Uint8Array(4 * total);
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const name of PARAM_NAMES) for (const v of arrays[name]) view.setFloat32(4 * o++, v, true);
  return bytes;
}

export type SidecarMeta = Pick<ClassifierSidecar, "dataset" | "recipe" | "testAccuracy" | "testCount" | "epochs" | "backend">;

/**
 * Writes `<dir>/<name>.bin` and `<dir>/<name>.json`; returns the sidecar's path. The tensors are
 * read, not disposed.
 */
export async function saveClassifier(classifier: Classifier, dir: string, name: string, meta: SidecarMeta): Promise<string> {
  const arrays = {} as Record<ParamName, Float32Array>;
  const values = await Promise.all(PARAM_NAMES.map((n) => classifier.params[n].data()));
  PARAM_NAMES.forEach((n, i) => (arrays[n] = values[i] as Float32Array));
  const bytes = encodeWeights(arrays);
  const shapes = paramShapes(classifier.spec);
  const sidecar: ClassifierSidecar = {
    format: WEIGHTS_FORMAT,
    dataset: meta.dataset,
    spec: classifier.spec,
    weights: `${name}.bin`,
    bytes: bytes.length,
    sha256: sha256(bytes),
    params: PARAM_NAMES.map((n) => ({ name: n, shape: shapes[n] })),
    recipe: meta.recipe,
    testAccuracy: meta.testAccuracy,
    testCount: meta.testCount,
    epochs: meta.epochs,
    backend: meta.backend,
    trainedAt: new Date().toISOString(),
  };
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  writeFileSync(join(dir, `${name}.bin`), bytes);
  // Indented, with arrays of numbers (the shapes) kept on one line.
  const text = JSON.stringify(sidecar, null, 2).replace(/\[\s+([-\d.e,\s]+?)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s*/).join(", ")}]`);
  writeFileSync(json, text + "\n");
  return json;
}

function readOrFail(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ClassifierWeightsError(file, `${what} is missing (train one with \`evogan classifier train\`)`, "missing");
    throw new ClassifierWeightsError(file, `cannot read ${what} (${(e as Error).message})`);
  }
}

/** Reads and checks a sidecar (no weights). */
export function readSidecar(jsonFile: string = MNIST_CLASSIFIER_FILE): ClassifierSidecar {
  const text = readOrFail(jsonFile, "the sidecar").toString("utf8");
  let s: ClassifierSidecar;
  try {
    s = JSON.parse(text) as ClassifierSidecar;
  } catch (e) {
    throw new ClassifierWeightsError(jsonFile, `not valid JSON (${(e as Error).message})`);
  }
  if (s?.format !== WEIGHTS_FORMAT) throw new ClassifierWeightsError(jsonFile, `format is ${JSON.stringify(s?.format)}, expected "${WEIGHTS_FORMAT}"`);
  if (typeof s.weights !== "string" || basename(s.weights) !== s.weights) throw new ClassifierWeightsError(jsonFile, `"weights" must name a file next to the sidecar`);
  let shapes: Record<ParamName, number[]>;
  try {
    shapes = paramShapes(s.spec);
  } catch (e) {
    throw new ClassifierWeightsError(jsonFile, `bad spec (${(e as Error).message})`);
  }
  if (Object.values(shapes).some((shape) => shape.some((d) => !Number.isInteger(d) || d < 1))) throw new ClassifierWeightsError(jsonFile, `bad spec ${JSON.stringify(s.spec)}`);
  if (!Array.isArray(s.params)) throw new ClassifierWeightsError(jsonFile, `"params" must list the parameters`);
  for (const name of PARAM_NAMES) {
    const entry = s.params.find((p) => p.name === name);
    if (!entry || entry.shape.join(",") !== shapes[name].join(",")) {
      throw new ClassifierWeightsError(jsonFile, `parameter ${name} has shape [${entry?.shape ?? "missing"}], the spec needs [${shapes[name]}]`);
    }
  }
  return s;
}

/** The weights file named by a sidecar. */
export const weightsFileOf = (jsonFile: string, s: Pick<ClassifierSidecar, "weights">): string => join(dirname(jsonFile), s.weights);

/**
 * Loads a classifier (tensors on the active backend) after checking the .bin's size and sha256
 * against the sidecar. Throws ClassifierWeightsError naming the file at fault.
 */
export function loadClassifier(jsonFile: string = MNIST_CLASSIFIER_FILE): { classifier: Classifier; sidecar: ClassifierSidecar } {
  const sidecar = readSidecar(jsonFile);
  const binFile = weightsFileOf(jsonFile, sidecar);
  const bytes = readOrFail(binFile, "the weights file");
  if (bytes.length !== sidecar.bytes) throw new ClassifierWeightsError(binFile, `has ${bytes.length} bytes, ${basename(jsonFile)} records ${sidecar.bytes}`);
  const digest = sha256(bytes);
  if (digest !== sidecar.sha256) throw new ClassifierWeightsError(binFile, `sha256 ${digest} does not match ${sidecar.sha256} recorded in ${basename(jsonFile)} (corrupt or replaced)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shapes = paramShapes(sidecar.spec);
  const arrays = {} as Record<ParamName, Float32Array>;
  let o = 0;
  for (const name of PARAM_NAMES) {
    const a = new Float32Array(shapes[name].reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = view.getFloat32(4 * o++, true);
    arrays[name] = a;
  }
  if (4 * o !== bytes.length) throw new ClassifierWeightsError(binFile, `has ${bytes.length} bytes, the shapes need ${4 * o}`);
  return { classifier: classifierFromArrays(sidecar.spec, arrays), sidecar };
}
