// imageDataFromBytes (seeded shuffle, limit, scaling) and gatherBatch, on synthetic images whose
// pixels encode their own index, so where every example went can be read back from the floats.

import { describe, expect, it } from "vitest";
import { gatherBatch, imageDataFromBytes } from "../../src/data/image-data.ts";
import { indexedBytes, sourceIndex } from "./data-files.ts";

const PER = 2 * 1 * 2; // indexedBytes images are 2×1×2

describe("imageDataFromBytes", () => {
  it("without a seed keeps file order and maps 0 → −1, 255 → 1", () => {
    const data = imageDataFromBytes("toy/train", indexedBytes(5), 10);
    expect([data.name, data.count, data.height, data.width, data.channels, data.numClasses]).toEqual(["toy/train", 5, 2, 1, 2, 10]);
    expect(Array.from(data.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(data.images.subarray(3 * PER, 4 * PER))).toEqual([3 / 127.5 - 1, -1, 1, -1].map(Math.fround));
  });

  it("a seed gives a permutation: same seed same order, different seed different order, labels stay with their images", () => {
    const n = 600;
    const a = imageDataFromBytes("toy", indexedBytes(n), 10, { seed: 1 });
    const b = imageDataFromBytes("toy", indexedBytes(n), 10, { seed: 1 });
    const c = imageDataFromBytes("toy", indexedBytes(n), 10, { seed: 2 });
    const order = (d: typeof a) => Array.from({ length: n }, (_, k) => sourceIndex(d.images, k));
    const oa = order(a);
    expect([...oa].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(oa).not.toEqual(Array.from({ length: n }, (_, i) => i));
    expect(order(b)).toEqual(oa);
    expect(order(c)).not.toEqual(oa);
    for (let k = 0; k < n; k++) expect(a.labels[k]).toBe(oa[k] % 10);
  });

  it("limit keeps the first n after shuffling", () => {
    const full = imageDataFromBytes("toy", indexedBytes(50), 10, { seed: 9 });
    const some = imageDataFromBytes("toy", indexedBytes(50), 10, { seed: 9, limit: 7 });
    expect(some.count).toBe(7);
    expect(Array.from(some.images)).toEqual(Array.from(full.images.subarray(0, 7 * PER)));
    expect(imageDataFromBytes("toy", indexedBytes(5), 10, { limit: 99 }).count).toBe(5);
    expect(() => imageDataFromBytes("toy", indexedBytes(5), 10, { limit: -1 })).toThrow("toy: limit must be a non-negative integer, got -1");
  });

  it("rejects labels outside the classes, naming the source", () => {
    expect(() => imageDataFromBytes("toy", indexedBytes(12), 5, {}, "/data/labels")).toThrow("/data/labels: label 5 at example 5 is outside 0..4");
  });
});

describe("gatherBatch", () => {
  it("copies the given examples, in the given order, with Int32 labels", () => {
    const data = imageDataFromBytes("toy", indexedBytes(20), 10);
    const batch = gatherBatch(data, [13, 2, 13]);
    expect(batch.images.length).toBe(3 * PER);
    expect([0, 1, 2].map((k) => sourceIndex(batch.images, k))).toEqual([13, 2, 13]);
    expect(batch.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(batch.labels)).toEqual([3, 2, 3]);
    batch.images[0] = 42; // a copy, not a view
    expect(data.images[13 * PER]).not.toBe(42);
    expect(() => gatherBatch(data, [20])).toThrow("toy: example index 20 is outside 0..19");
  });
});
