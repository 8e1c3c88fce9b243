// The committed FID reference of a dataset: the mean and covariance of its evaluation classifier's
// features of the reference training images (DEFAULT_REFERENCE_SIZE of them, shuffle seed
// REFERENCE_SEED), as float64 in `<dataset>-reference.bin` (mean, then the d×d covariance,
// row-major, little-endian) with a sidecar `<dataset>-reference.json` naming the classifier it
// belongs to (its weights' sha256) and the .bin's size and sha256.
// Every image process would otherwise classify those 10,000 images before its first FID (about two
// seconds on one core). A reference whose classifier is not the one loaded (a retrained
// classifier) is ignored and the statistics are computed; a damaged one is refused, naming the
// file. `evogan classifier reference` writes it; `evogan classifier train` too.
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClassifierWeightsError } from "../../errors.ts";
import { writeFileAtomic } from "../../orchestrator/checkpoint-file.ts";
import { sha256 } from "./classifier-weights.ts";
import type { MeanCov } from "../frechet.ts";
import type { ClassifierDataset } from "./train-classifier.ts";

export const REFERENCE_FORMAT = "evogan-fid-reference/1";

export interface ReferenceSidecar {
  readonly format: typeof REFERENCE_FORMAT;
  readonly dataset: ClassifierDataset;
  /** Training images the statistics are over, and the shuffle seed that chose them. */
  readonly n: number;
  readonly seed: number;
  /** Feature dimension d: the .bin holds d + d² float64 values. */
  readonly d: number;
  /** The sha256 of the classifier weights whose features these are. */
  readonly classifierSha256: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The backend the features were computed on (others agree to ~1e-6). */
  readonly backend: string;
}

/** The committed reference sidecar of a dataset (its .bin lies next to it). */
export const referenceFile = (dataset: ClassifierDataset, dir?: string): string =>
  dir ? join(dir, `${dataset}-reference.json`) : fileURLToPath(new URL(`./${dataset}-reference.json`, import.meta.url));

/**
 * The committed statistics of (dataset, n, seed) for the classifier with weights `classifierSha256`;
 * undefined when there are none for them (no file, another n or seed, another classifier).
 * Throws ClassifierWeightsError, naming the file, when the file is there but damaged.
 */
export function readReference(dataset: ClassifierDataset, n: number, seed: number, classifierSha256: string, dir?: string): MeanCov | undefined {
  const json = referenceFile(dataset, dir);
  if (!existsSync(json)) return undefined;
  let s: ReferenceSidecar;
  try {
    s = JSON.parse(readFileSync(json, "utf8")) as ReferenceSidecar;
  } catch (e) {
    throw new ClassifierWeightsError(json, `not a readable FID reference sidecar (${(e as Error).message})`);
  }
  if (s?.format !== REFERENCE_FORMAT) throw new ClassifierWeightsError(json, `format is ${JSON.stringify(s?.format)}, expected "${REFERENCE_FORMAT}"`);
  if (s.dataset !== dataset || s.n !== n || s.seed !== seed || s.classifierSha256 !== classifierSha256) return undefined;
  const bin = json.replace(/\.json$/, ".bin");
  let bytes: Buffer;
  try {
    bytes = readFileSync(bin);
  } catch (e) {
    throw new ClassifierWeightsError(bin, `the FID reference's statistics cannot be read (${(e as Error).message})`);
  }
  if (bytes.length !== s.bytes || bytes.length !== 8 * (s.d + s.d * s.d) || sha256(bytes) !== s.sha256) {
    throw new ClassifierWeightsError(bin, `does not match its sidecar ${json} (size or sha256): regenerate it with \`evogan classifier reference --dataset ${dataset}\``);
  }
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { mean: values.slice(0, s.d), cov: values.slice(s.d) };
}

/** Writes the statistics and their sidecar (each whole or not at all: writeFileAtomic); returns the sidecar's path. */
export async function writeReference(stats: MeanCov, meta: Omit<ReferenceSidecar, "format" | "d" | "bytes" | "sha256">, dir?: string): Promise<string> {
  const d = stats.mean.length;
  if (stats.cov.length !== d * d) throw new Error(`writeReference: a ${d}-dimensional mean needs a ${d}×${d} covariance, got ${stats.cov.length} values`);
  const values = new Float64Array(d + d * d);
  values.set(stats.mean, 0);
  values.set(stats.cov, d);
  const bytes = new Uint8Array(values.buffer);
  const json = referenceFile(meta.dataset, dir);
  const bin = json.replace(/\.json$/, ".bin");
  const sidecar: ReferenceSidecar = { format: REFERENCE_FORMAT, ...meta, d, bytes: bytes.length, sha256: sha256(bytes) };
  await mkdir(dirname(json), { recursive: true });
  await writeFileAtomic(bin, bytes);
  await writeFileAtomic(json, new TextEncoder().encode(JSON.stringify(sidecar, null, 2) + "\n"));
  return json;
}
