// CIFAR-10 binary reader: planar RGB records become NHWC floats in [−1, 1], with errors naming the file.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCifar10, readCifar10Batch } from "../../src/data/cifar10.ts";
import { loadImageData } from "../../src/data/image-dataset.ts";
import { cifarBytes, tempDir } from "./data-files.ts";

const tmp = tempDir("evogan-cifar-");
afterAll(tmp.remove);

/** A byte per (image, channel, row, column) that differs between neighbours in every coordinate. */
const value = (i: number, ch: number, y: number, x: number) => (i * 37 + ch * 101 + y * 7 + x * 3) % 256;
const labels = [3, 9, 0];
const file = tmp.write("data_batch_1.bin", cifarBytes(labels, value));

describe("CIFAR-10 binary reader", () => {
  it("puts pixel (y, x) channel ch of image i at NHWC index ((i·32 + y)·32 + x)·3 + ch, scaled to [−1, 1]", () => {
    const data = loadCifar10("train", [file]);
    expect([data.name, data.count, data.height, data.width, data.channels, data.numClasses]).toEqual(["cifar10/train", 3, 32, 32, 3, 10]);
    expect(Array.from(data.labels)).toEqual(labels);
    expect(data.images.length).toBe(3 * 32 * 32 * 3);
    for (let i = 0; i < 3; i++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let ch = 0; ch < 3; ch++) {
            const got = data.images[((i * 32 + y) * 32 + x) * 3 + ch];
            if (Math.abs(got - (value(i, ch, y, x) / 127.5 - 1)) > 1e-6) throw new Error(`image ${i} (${y}, ${x}) ch ${ch}: got ${got}`);
          }
  });

  it("spot checks with literal bytes: an all-red pixel, a green one and a blue one", () => {
    // One image, black except (0, 1) = pure red, (31, 31) = pure green, (2, 0) = blue 51.
    const lit = (_i: number, ch: number, y: number, x: number) => (ch === 0 && y === 0 && x === 1 ? 255 : ch === 1 && y === 31 && x === 31 ? 255 : ch === 2 && y === 2 && x === 0 ? 51 : 0);
    const bytes = cifarBytes([7], lit);
    expect(bytes[1 + 1]).toBe(255); // R plane, row 0, column 1
    expect(bytes[1 + 1024 + 31 * 32 + 31]).toBe(255); // G plane, last pixel
    const data = loadCifar10("test", [tmp.write("spot.bin", bytes)]);
    expect(Array.from(data.images.subarray(3, 6))).toEqual([1, -1, -1]); // pixel (0, 1): r, g, b
    expect(Array.from(data.images.subarray((31 * 32 + 31) * 3, (31 * 32 + 31) * 3 + 3))).toEqual([-1, 1, -1]);
    const blue = data.images[(2 * 32 + 0) * 3 + 2];
    expect(blue).toBeCloseTo(51 / 127.5 - 1, 6);
    expect(data.images[0]).toBe(-1);
    expect(data.labels[0]).toBe(7);
  });

  it("concatenates several files in order and expands a directory to the split's standard names", () => {
    const dir = join(tmp.dir, "cifar-10-batches-bin");
    mkdirSync(dir);
    for (let k = 1; k <= 5; k++) tmp.write(join("cifar-10-batches-bin", `data_batch_${k}.bin`), cifarBytes([k, k], (i) => 10 * k + i));
    tmp.write(join("cifar-10-batches-bin", "test_batch.bin"), cifarBytes([0], () => 200));
    const train = loadImageData("cifar10", "train", { files: [dir] });
    expect(train.count).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(train.images[3 * 3072]).toBeCloseTo(21 / 127.5 - 1, 6); // image 3 = batch 2, record 1
    const test = loadImageData("cifar10", "test", { files: [dir] });
    expect([test.name, test.count]).toEqual(["cifar10/test", 1]);
    expect(test.images[0]).toBeCloseTo(200 / 127.5 - 1, 6);
    const two = loadCifar10("train", [join(dir, "data_batch_5.bin"), file]);
    expect(Array.from(two.labels)).toEqual([5, 5, ...labels]);
  });

  it("seed shuffles and limit truncates, labels staying with their images", () => {
    const plain = loadCifar10("train", [file]);
    const shuffled = loadCifar10("train", [file], { seed: 11, limit: 2 });
    expect(shuffled.count).toBe(2);
    for (let i = 0; i < 2; i++) {
      const src = plain.labels.indexOf(shuffled.labels[i]); // labels are distinct here
      expect(Array.from(shuffled.images.subarray(i * 3072, (i + 1) * 3072))).toEqual(Array.from(plain.images.subarray(src * 3072, (src + 1) * 3072)));
    }
  });

  it("no files is an error saying where to get them and that evogan does not download", () => {
    for (const opts of [{}, { files: [] }]) {
      let message = "";
      try {
        loadImageData("cifar10", "train", opts);
      } catch (e) {
        message = String(e);
      }
      expect(message).toMatch(/does not download/);
      expect(message).toMatch(/data_batch_1\.bin \.\. data_batch_5\.bin/);
      expect(message).toMatch(/test_batch\.bin/);
      expect(message).toMatch(/cifar-10-binary\.tar\.gz/);
    }
  });

  it("a missing file, a length that is not a multiple of 3073, an empty file and a bad label name the file", () => {
    const missing = join(tmp.dir, "data_batch_9.bin");
    expect(() => loadCifar10("train", [file, missing])).toThrow(`${missing}: CIFAR-10 file not found`);
    const truncated = tmp.write("truncated.bin", cifarBytes(labels, value).subarray(0, 2 * 3073 + 100));
    expect(() => loadCifar10("train", [truncated])).toThrow(`${truncated}: CIFAR-10 binary file is 6246 bytes, not a multiple of the 3073-byte record`);
    const empty = tmp.write("empty.bin", new Uint8Array(0));
    expect(() => loadCifar10("train", [empty])).toThrow(`${empty}: CIFAR-10 binary file is empty`);
    const badLabel = tmp.write("bad-label.bin", cifarBytes([1, 10], value));
    expect(() => loadCifar10("train", [badLabel])).toThrow(`${badLabel}: record 1 has label 10, outside 0..9`);
    expect(() => readCifar10Batch(new Uint8Array(3074), "mem")).toThrow(/^mem: CIFAR-10 binary file is 3074 bytes/);
  });
});
