// BatchStream: endless seeded epochs, each a permutation of the examples, resumable from its state.

import { describe, expect, it } from "vitest";
import { BatchStream, type BatchStreamState } from "../../src/data/batch-stream.ts";
import { imageDataFromBytes } from "../../src/data/image-data.ts";
import { indexedBytes, sourceIndex } from "./data-files.ts";

const data = imageDataFromBytes("toy/train", indexedBytes(10), 10);

/** Source indices of the next `batches` batches. */
function draw(stream: BatchStream, batches: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const { images, labels } = stream.next();
    for (let k = 0; k < labels.length; k++) {
      const src = sourceIndex(images, k);
      expect(labels[k]).toBe(src % 10); // the label travels with its image
      out.push(src);
    }
  }
  return out;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const all = Array.from({ length: 10 }, (_, i) => i);

describe("BatchStream", () => {
  it("covers every example exactly once per epoch, batches spanning epoch boundaries", () => {
    for (const batchSize of [1, 3, 4, 10, 25]) {
      const seen = draw(new BatchStream(data, batchSize, 7), 20);
      const epochs = Math.floor(seen.length / 10);
      for (let e = 0; e < epochs; e++) expect(sorted(seen.slice(e * 10, e * 10 + 10))).toEqual(all);
    }
  });

  it("reshuffles each epoch; the same seed repeats the stream and another seed does not", () => {
    const a = draw(new BatchStream(data, 5, 7), 8);
    expect(a.slice(0, 10)).not.toEqual(a.slice(10, 20));
    expect(draw(new BatchStream(data, 5, 7), 8)).toEqual(a);
    expect(draw(new BatchStream(data, 5, 8), 8)).not.toEqual(a);
    // The batch size does not change the order of examples, only how it is cut.
    expect(draw(new BatchStream(data, 2, 7), 20)).toEqual(a);
  });

  it("resumes identically from a saved state (also after a JSON round trip)", () => {
    const stream = new BatchStream(data, 3, 21);
    draw(stream, 7); // 21 examples: epoch 2, offset 1
    const saved = stream.state();
    expect(saved).toEqual({ epoch: 2, offset: 1, count: 10 });
    const rest = draw(stream, 9);
    const restored: BatchStreamState = JSON.parse(JSON.stringify(saved));
    expect(draw(new BatchStream(data, 3, 21, restored), 9)).toEqual(rest);
    // and equals a fresh stream fast-forwarded by the same amount
    const fresh = draw(new BatchStream(data, 3, 21), 16);
    expect(fresh.slice(21)).toEqual(rest);
  });

  it("rejects a bad batch size, a state for another dataset size and an out-of-range offset", () => {
    expect(() => new BatchStream(data, 0, 1)).toThrow("toy/train: batch size must be a positive integer, got 0");
    expect(() => new BatchStream(data, 4, 1, { epoch: 0, offset: 0, count: 11 })).toThrow("toy/train: saved BatchStream state is for 11 examples, this dataset has 10");
    expect(() => new BatchStream(data, 4, 1, { epoch: 0, offset: 10, count: 10 })).toThrow(/offset must be an integer in 0\.\.9, got 10/);
    expect(() => new BatchStream(imageDataFromBytes("empty", indexedBytes(0), 10), 4, 1)).toThrow("empty: a BatchStream needs at least one example");
  });
});
