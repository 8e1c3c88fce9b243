// loadImageData: the real MNIST sets through the one interface, seeded shuffling, user IDX files
// (plain and gzipped), and a clear error naming the file for every kind of bad input.

import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { BatchStream, gatherBatch, IMAGE_CLASS_NAMES, IMAGE_DATASETS, loadImageData, type ImageData } from "../../src/data/image-dataset.ts";
import { idxBytes, tempDir } from "./data-files.ts";

const tmp = tempDir("evogan-images-");
afterAll(tmp.remove);

function histogram(labels: Uint8Array): number[] {
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

function stats(images: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity, max = -Infinity, sum = 0;
  for (let k = 0; k < images.length; k++) {
    const v = images[k];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / images.length };
}

/** Bitwise equality of two float arrays (vitest's deep equality is slow on millions of elements). */
function sameFloats(x: Float32Array, y: Float32Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Each image's bytes as a string key, to find where a shuffled image came from. */
function imageKeys(data: ImageData): string[] {
  const per = data.height * data.width * data.channels;
  return Array.from({ length: data.count }, (_, i) => Buffer.from(data.images.buffer, data.images.byteOffset + i * per * 4, per * 4).toString("base64"));
}

describe("loadImageData", () => {
  it("names three datasets with ten class names each", () => {
    expect(IMAGE_DATASETS).toEqual(["mnist", "fashion-mnist", "cifar10"]);
    for (const name of IMAGE_DATASETS) expect(IMAGE_CLASS_NAMES[name]).toHaveLength(10);
  });

  it("MNIST train: 60000 images of 28×28×1 in [−1, 1], label[0] = 5, the known digit counts and mean", () => {
    const train = loadImageData("mnist", "train");
    expect([train.name, train.count, train.height, train.width, train.channels, train.numClasses]).toEqual(["mnist/train", 60000, 28, 28, 1, 10]);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.labels[0]).toBe(5);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(histogram(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const s = stats(train.images);
    expect([s.min, s.max]).toEqual([-1, 1]);
    expect((s.mean + 1) / 2).toBeCloseTo(0.1307, 3); // the usual MNIST mean intensity in [0, 1]
  });

  it("MNIST test: 10000 images, label[0] = 7, the known digit counts", () => {
    const test = loadImageData("mnist", "test");
    expect([test.name, test.count, test.height, test.width, test.channels]).toEqual(["mnist/test", 10000, 28, 28, 1]);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(histogram(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it("a seed shuffles real MNIST into a permutation with labels attached; same seed same order, another seed another", () => {
    const plain = loadImageData("mnist", "test");
    const a = loadImageData("mnist", "test", { seed: 1 });
    const b = loadImageData("mnist", "test", { seed: 1 });
    const c = loadImageData("mnist", "test", { seed: 2 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(sameFloats(b.images, a.images)).toBe(true);
    expect(Array.from(c.labels)).not.toEqual(Array.from(a.labels));
    expect(Array.from(a.labels)).not.toEqual(Array.from(plain.labels));
    // Every shuffled example is an original image with its original label, each used once.
    const where = new Map<string, number[]>();
    imageKeys(plain).forEach((key, i) => where.set(key, [...(where.get(key) ?? []), i]));
    imageKeys(a).forEach((key, k) => {
      const candidates = where.get(key) ?? [];
      const at = candidates.findIndex((i) => plain.labels[i] === a.labels[k]);
      expect(at, `shuffled example ${k} matches no unused original with label ${a.labels[k]}`).toBeGreaterThanOrEqual(0);
      candidates.splice(at, 1);
    });
    expect([...where.values()].every((rest) => rest.length === 0)).toBe(true);
    const limited = loadImageData("mnist", "test", { seed: 1, limit: 64 });
    expect(limited.count).toBe(64);
    expect(Array.from(limited.labels)).toEqual(Array.from(a.labels.subarray(0, 64)));
  });

  it("feeds BatchStream and gatherBatch: NHWC batches of the requested size", () => {
    const data = loadImageData("mnist", "test", { limit: 100 });
    const batch = new BatchStream(data, 32, 3).next();
    expect([batch.images.length, batch.labels.length]).toEqual([32 * 784, 32]);
    expect(Array.from(gatherBatch(data, [0]).labels)).toEqual([7]);
  });

  it("loads the user's IDX files, plain or gzipped, for mnist and fashion-mnist", () => {
    const pixels = Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 15);
    const imagesFile = tmp.write("train-images-idx3-ubyte.gz", gzipSync(idxBytes([2, 3, 3], pixels)));
    const labelsFile = tmp.write("train-labels-idx1-ubyte", idxBytes([2], [9, 4]));
    for (const name of ["mnist", "fashion-mnist"] as const) {
      const data = loadImageData(name, "train", { imagesFile, labelsFile });
      expect([data.name, data.count, data.height, data.width, data.channels]).toEqual([`${name}/train`, 2, 3, 3, 1]);
      expect(Array.from(data.labels)).toEqual([9, 4]);
      expect(Array.from(data.images)).toEqual(pixels.map((p) => Math.fround(p / 127.5 - 1)));
    }
  });
});

describe("loadImageData errors", () => {
  const images = tmp.write("images-idx3-ubyte", idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)));
  const labels = tmp.write("labels-idx1-ubyte", idxBytes([3], [1, 2, 3]));

  it("a missing file names its path", () => {
    const missing = join(tmp.dir, "no-such-images-idx3-ubyte");
    expect(() => loadImageData("mnist", "train", { imagesFile: missing, labelsFile: labels })).toThrow(`${missing}: IDX file not found`);
    expect(() => loadImageData("fashion-mnist", "test", { imagesFile: images, labelsFile: missing + ".gz" })).toThrow(`${missing}.gz: IDX file not found`);
  });

  it("a truncated file names its path", () => {
    const truncated = tmp.write("truncated-idx3-ubyte", idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)).subarray(0, 16 + 7));
    expect(() => loadImageData("mnist", "train", { imagesFile: truncated, labelsFile: labels })).toThrow(`${truncated}: truncated IDX data: dims [3, 2, 2] need 12 bytes, file has 7`);
    const truncatedGz = tmp.write("truncated-idx3-ubyte.gz", gzipSync(idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i))).subarray(0, 20));
    expect(() => loadImageData("mnist", "train", { imagesFile: truncatedGz, labelsFile: labels })).toThrow(`${truncatedGz}: gzip data is corrupt or truncated`);
  });

  it("a wrong IDX magic names its path", () => {
    const notIdx = tmp.write("not-idx", new TextEncoder().encode("P5\n28 28\n255\n......"));
    expect(() => loadImageData("mnist", "train", { imagesFile: notIdx, labelsFile: labels })).toThrow(`${notIdx}: not an IDX file (bad magic 0x50350a32)`);
    // An image file given as the labels (magic 0x00000803 where 0x00000801 is expected).
    expect(() => loadImageData("mnist", "train", { imagesFile: images, labelsFile: images })).toThrow(`${images}: expected an IDX label file with 1 dim`);
  });

  it("a label count that does not match the image count names both files", () => {
    const twoLabels = tmp.write("two-labels-idx1-ubyte", idxBytes([2], [1, 2]));
    expect(() => loadImageData("mnist", "test", { imagesFile: images, labelsFile: twoLabels })).toThrow(`mnist/test: ${images} has 3 images but ${twoLabels} has 2 labels`);
  });

  it("a label outside 0..9 names the label file", () => {
    const badLabels = tmp.write("bad-labels-idx1-ubyte", idxBytes([3], [1, 12, 3]));
    expect(() => loadImageData("mnist", "test", { imagesFile: images, labelsFile: badLabels })).toThrow(`${badLabels}: label 12 at example 1 is outside 0..9`);
  });

  it("rejects half an IDX pair, the wrong kind of source, an unknown dataset and an unknown split", () => {
    expect(() => loadImageData("mnist", "train", { imagesFile: images })).toThrow("mnist: pass both imagesFile and labelsFile");
    expect(() => loadImageData("fashion-mnist", "train", { labelsFile: labels })).toThrow("fashion-mnist: pass both imagesFile and labelsFile");
    expect(() => loadImageData("mnist", "train", { files: [images] })).toThrow("mnist: files is for CIFAR-10 batch files");
    expect(() => loadImageData("cifar10", "train", { imagesFile: images, labelsFile: labels })).toThrow("cifar10: imagesFile/labelsFile are for IDX datasets");
    expect(() => loadImageData("svhn" as "mnist", "train")).toThrow('unknown image dataset "svhn"; expected one of mnist, fashion-mnist, cifar10');
    expect(() => loadImageData("mnist", "valid" as "train")).toThrow('mnist: split must be "train" or "test", got valid');
  });
});
