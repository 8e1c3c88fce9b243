// The semi-supervised split of MNIST's training set: L labelled images and a validation set, both
// balanced over the classes, chosen by a seed, disjoint from each other and from the unlabelled
// rest; the test set is refused; a count that is not a multiple of the classes is a config error.
// Class counts are read from the dataset's own labels, not from the split's bookkeeping.
import { describe, expect, it } from "vitest";
import { describeThrown, EXIT } from "../../src/cli/exit-codes.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { selectImages, semiSplit, SEMI_SPLIT_DEFAULTS, type LabelledSet } from "../../src/data/semi-split.ts";
import { ConfigError } from "../../src/errors.ts";

const train = loadMnist("train");

function histogram(labels: Uint8Array, indices: Int32Array): number[] {
  const counts = new Array(10).fill(0);
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

const split = (labelled: number, seed: number, validation: number = SEMI_SPLIT_DEFAULTS.validation) => semiSplit(train, { labelled, validation, seed });

describe("semiSplit on MNIST's 60000 training images", () => {
  it("with the defaults: 100 labelled (10 a class), 1000 validation (100 a class), 58900 unlabelled", () => {
    const s = split(SEMI_SPLIT_DEFAULTS.labelled, 1);
    expect([s.labelled.length, s.validation.length, s.unlabelled.length]).toEqual([100, 1000, 58900]);
    expect(histogram(train.labels, s.labelled)).toEqual(new Array(10).fill(10));
    expect(histogram(train.labels, s.validation)).toEqual(new Array(10).fill(100));
    // The unlabelled rest holds every other image: MNIST's own class counts less 110 each.
    const all = histogram(train.labels, Int32Array.from({ length: train.count }, (_, i) => i));
    expect(histogram(train.labels, s.unlabelled)).toEqual(all.map((c) => c - 110));
  });

  it("the three sets are disjoint and together are the whole training set", () => {
    const s = split(100, 1);
    const seen = new Uint8Array(train.count);
    for (const set of [s.labelled, s.validation, s.unlabelled]) for (const i of set) seen[i]++;
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it.each([20, 50, 600, 1000])("L = %i gives L/10 labelled images of each class", (L) => {
    const s = split(L, 3);
    expect(s.labelled.length).toBe(L);
    expect(histogram(train.labels, s.labelled)).toEqual(new Array(10).fill(L / 10));
    expect(s.unlabelled.length).toBe(train.count - L - 1000);
  });

  it("is seeded: the same seed chooses the same images, another seed others", () => {
    const a = split(100, 7);
    const b = split(100, 7);
    expect(Array.from(a.labelled)).toEqual(Array.from(b.labelled));
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    const c = split(100, 8);
    const shared = c.labelled.filter((i) => a.labelled.includes(i)).length;
    // Two independent draws of 10 of ~6000 images per class share almost none.
    expect(shared).toBeLessThan(5);
    expect(Array.from(c.validation)).not.toEqual(Array.from(a.validation));
  });

  it("copies the labelled images out with their pixels and labels", () => {
    const s = split(100, 1);
    const lab = selectImages(train, s.labelled, "mnist/labelled");
    expect(lab.count).toBe(100);
    expect(lab.name).toBe("mnist/labelled");
    const per = 28 * 28;
    for (const k of [0, 37, 99]) {
      const src = s.labelled[k];
      expect(lab.labels[k]).toBe(train.labels[src]);
      expect(Array.from(lab.images.subarray(k * per, (k + 1) * per))).toEqual(Array.from(train.images.subarray(src * per, (src + 1) * per)));
    }
  });
});

describe("semiSplit refuses bad input with one line naming the field", () => {
  const failure = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return { e, ...describeThrown(e) };
    }
    throw new Error("expected an error");
  };

  it.each([
    [105, 1000, "task.labelled", /multiple of the 10 classes.*105/],
    [25, 1000, "task.labelled", /multiple of the 10 classes.*25/],
    [0, 1000, "task.labelled", /at least one labelled image per class/],
    [100, 1005, "task.validation", /multiple of the 10 classes.*1005/],
  ])("labelled %i, validation %i → ConfigError at %s, exit code 2", (labelled, validation, path, reason) => {
    const f = failure(() => semiSplit(train, { labelled, validation, seed: 1, path: "task" }));
    expect(f.e).toBeInstanceOf(ConfigError);
    expect((f.e as ConfigError).path).toBe(path);
    expect(f.code).toBe(EXIT.config);
    expect(f.message).toMatch(reason);
    expect(f.message).toMatch(new RegExp(`^invalid config: ${path.replace(".", "\\.")}: `));
    expect(f.message).not.toMatch(/\n/);
  });

  it("a class with fewer images than labelled + validation asks for is named", () => {
    // 12 images: classes 0 and 1 with 5 each, class 2 with only 2.
    const labels = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    const small: LabelledSet = { name: "toy/train", count: labels.length, labels, numClasses: 3 };
    const f = failure(() => semiSplit(small, { labelled: 3, validation: 6, seed: 1 }));
    expect(f.code).toBe(EXIT.config);
    expect(f.message).toMatch(/toy\/train has 2 images of class 2, fewer than the 1 labelled \+ 2 validation/);
    // With enough of every class it splits: 1 + 1 per class.
    const ok = semiSplit(small, { labelled: 3, validation: 3, seed: 1 });
    expect([ok.labelled.length, ok.validation.length, ok.unlabelled.length]).toEqual([3, 3, 6]);
  });

  it("refuses to split a test set (the test set is for the final figure only)", () => {
    const test = loadMnist("test", { limit: 2000 });
    expect(() => semiSplit(test, { labelled: 100, validation: 100, seed: 1 })).toThrow(/mnist\/test is a test split/);
  });
});
