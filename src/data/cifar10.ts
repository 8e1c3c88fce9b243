// CIFAR-10 (Krizhevsky 2009), "binary version" files: data_batch_1.bin .. data_batch_5.bin (train,
// 10000 images each) and test_batch.bin (10000). Each record is 3073 bytes: 1 label byte (0..9),
// then 3072 pixel bytes as three 32×32 row-major planes, 1024 R, 1024 G, 1024 B. Loaded into NHWC
// (pixel (y, x) channel ch of image i at ((i·32 + y)·32 + x)·3 + ch) and scaled to [−1, 1].
// evogan never downloads data: users fetch cifar-10-binary.tar.gz themselves and pass the files.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { imageDataFromBytes, type ImageBytes, type ImageData, type ImageSelection } from "./image-data.ts";

export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE; // 1024
const RECORD = 1 + 3 * PLANE; // 3073

/** The standard file names of a split inside the extracted cifar-10-batches-bin directory. */
export function cifar10FileNames(split: "train" | "test"): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ["test_batch.bin"];
}

const NO_FILES =
  "cifar10: no data files given. evogan does not download data sets: get the binary version (cifar-10-binary.tar.gz) " +
  "from https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass data_batch_1.bin .. data_batch_5.bin (train) " +
  "or test_batch.bin (test) as files, or the extracted cifar-10-batches-bin directory";

/**
 * Parses the bytes of one CIFAR-10 binary file into NHWC bytes; `name` (normally the file path)
 * labels every error.
 */
export function readCifar10Batch(bytes: Uint8Array, name: string): ImageBytes {
  if (bytes.length === 0) throw new Error(`${name}: CIFAR-10 binary file is empty`);
  if (bytes.length % RECORD !== 0) {
    throw new Error(
      `${name}: CIFAR-10 binary file is ${bytes.length} bytes, not a multiple of the ${RECORD}-byte record (1 label + 3072 pixel bytes): ` +
        `truncated, or not the binary version of CIFAR-10?`,
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const rec = i * RECORD;
    const label = bytes[rec];
    if (label >= CIFAR10_CLASSES.length) throw new Error(`${name}: record ${i} has label ${label}, outside 0..9 (not a CIFAR-10 binary file? CIFAR-100 records are 3074 bytes)`);
    labels[i] = label;
    const r = rec + 1;
    const g = r + PLANE;
    const b = g + PLANE;
    const out = i * 3 * PLANE;
    for (let k = 0; k < PLANE; k++) {
      pixels[out + 3 * k] = bytes[r + k];
      pixels[out + 3 * k + 1] = bytes[g + k];
      pixels[out + 3 * k + 2] = bytes[b + k];
    }
  }
  return { count, height: SIDE, width: SIDE, channels: 3, pixels, labels };
}

/** Reads one CIFAR-10 binary file, with errors that name it. */
export function loadCifar10File(file: string): ImageBytes {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String(e.code) : "";
    if (code === "ENOENT") throw new Error(`${file}: CIFAR-10 file not found`);
    throw new Error(`${file}: cannot read CIFAR-10 file (${e instanceof Error ? e.message : String(e)})`);
  }
  return readCifar10Batch(bytes, file);
}

/** Files as given, with a directory replaced by the split's standard file names inside it. */
export function resolveCifar10Files(split: "train" | "test", files: readonly string[]): string[] {
  return files.flatMap((f) => (isDirectory(f) ? cifar10FileNames(split).map((n) => join(f, n)) : [f]));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a missing path is reported by loadCifar10File, naming it
  }
}

/**
 * CIFAR-10 `split` from the user's binary files (concatenated in the order given) as ImageData
 * named "cifar10/<split>" (32×32×3, 10 classes). No files is an error saying where to get them.
 */
export function loadCifar10(split: "train" | "test", files: readonly string[] | undefined, sel: ImageSelection = {}): ImageData {
  if (split !== "train" && split !== "test") throw new Error(`cifar10: split must be "train" or "test", got ${String(split)}`);
  if (files === undefined || files.length === 0) throw new Error(NO_FILES);
  const batches = resolveCifar10Files(split, files).map(loadCifar10File);
  const count = batches.reduce((s, b) => s + b.count, 0);
  let pixels: Uint8Array;
  let labels: Uint8Array;
  if (batches.length === 1) ({ pixels, labels } = batches[0]);
  else {
    pixels = new Uint8Array(count * 3 * PLANE);
    labels = new Uint8Array(count);
    let at = 0;
    for (const b of batches) {
      pixels.set(b.pixels, at * 3 * PLANE);
      labels.set(b.labels, at);
      at += b.count;
    }
  }
  return imageDataFromBytes(`cifar10/${split}`, { count, height: SIDE, width: SIDE, channels: 3, pixels, labels }, CIFAR10_CLASSES.length, sel);
}
