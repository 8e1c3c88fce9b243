// The CycleGAN task with a known answer: the transforms on hand-made images, the split of the
// training set into disjoint halves that cover it, determinism under a seed, and the test pairs;
// and the task without one (MNIST ↔ Fashion-MNIST): A's and B's images from their own sets.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ImageData } from "../../src/data/image-data.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { loadFashionMnist } from "../../src/data/fashion-mnist.ts";
import { applyTransform, inverseTransform, splitHalves, unpairedDatasetsTask, unpairedTask } from "../../src/data/unpaired-domains.ts";

// One 3×3 single-channel image, rows top to bottom:
//   1 2 3
//   4 5 6
//   7 8 9
const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const one = { count: 1, height: 3, width: 3, channels: 1 };

describe("domain transforms on hand-made images", () => {
  it("invert is x ↦ −x on [−1, 1], i.e. 1 − x on [0, 1], and its own inverse", () => {
    const x = Float32Array.from([-1, -0.5, 0, 0.25, 1]);
    const s = { count: 1, height: 1, width: 5, channels: 1 };
    const y = applyTransform("invert", x, s);
    expect(Array.from(y)).toEqual([1, 0.5, -0, -0.25, -1]);
    // On [0, 1]: (y + 1)/2 = 1 − (x + 1)/2.
    y.forEach((v, i) => expect((v + 1) / 2).toBeCloseTo(1 - (x[i] + 1) / 2, 12));
    expect(Array.from(inverseTransform("invert", y, s))).toEqual(Array.from(x));
  });

  it("rot90 turns counter-clockwise (numpy's rot90): the top row becomes the right column read upwards", () => {
    // np.rot90([[1,2,3],[4,5,6],[7,8,9]]) = [[3,6,9],[2,5,8],[1,4,7]]
    expect(Array.from(applyTransform("rot90", img, one))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });

  it("rot90's inverse turns clockwise, undoes it, and four turns are the identity", () => {
    expect(Array.from(inverseTransform("rot90", img, one))).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    expect(Array.from(inverseTransform("rot90", applyTransform("rot90", img, one), one))).toEqual(Array.from(img));
    let x: Float32Array = img;
    for (let k = 0; k < 4; k++) x = applyTransform("rot90", x, one);
    expect(Array.from(x)).toEqual(Array.from(img));
  });

  it("rot90 turns every image of a batch and keeps channels together", () => {
    // Two 2×2 images of 2 channels; channel 1 is channel 0 + 10, image 1 is image 0 + 100.
    const x = Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13, 100, 110, 101, 111, 102, 112, 103, 113]);
    const y = applyTransform("rot90", x, { count: 2, height: 2, width: 2, channels: 2 });
    // [[0,1],[2,3]] ↦ [[1,3],[0,2]]
    expect(Array.from(y)).toEqual([1, 11, 3, 13, 0, 10, 2, 12, 101, 111, 103, 113, 100, 110, 102, 112]);
  });

  it("refuses a non-square image for rot90 and a size that does not match the shape", () => {
    expect(() => applyTransform("rot90", new Float32Array(6), { count: 1, height: 2, width: 3, channels: 1 })).toThrow(/square/);
    expect(() => applyTransform("invert", new Float32Array(5), one)).toThrow(/need 9 values, got 5/);
  });
});

describe("splitHalves", () => {
  it("gives disjoint halves that together cover every index once (odd count: B has the extra one)", () => {
    for (const count of [2, 7, 1000]) {
      const { a, b } = splitHalves(count, 3);
      expect(a.length).toBe(Math.floor(count / 2));
      expect(b.length).toBe(count - Math.floor(count / 2));
      const seen = new Uint8Array(count);
      for (const i of [...a, ...b]) seen[i]++;
      expect(seen.every((v) => v === 1)).toBe(true);
    }
  });

  it("holds V images out of both halves: the three parts are disjoint and cover every index once", () => {
    const { a, b, validation } = splitHalves(1001, 3, 101);
    expect([validation.length, a.length, b.length]).toEqual([101, 450, 450]);
    const seen = new Uint8Array(1001);
    for (const i of [...validation, ...a, ...b]) seen[i]++;
    expect(seen.every((v) => v === 1)).toBe(true);
    // Without a validation set it is simply the same permutation cut in two.
    const plain = splitHalves(1001, 3);
    expect(plain.validation.length).toBe(0);
    expect([...validation, ...a, ...b]).toEqual([...plain.a, ...plain.b]);
  });

  it("is fixed by its seed: the same seed the same halves, another seed others", () => {
    const x = splitHalves(1000, 5);
    expect(splitHalves(1000, 5)).toEqual(x);
    const y = splitHalves(1000, 6);
    expect(Array.from(y.a)).not.toEqual(Array.from(x.a));
  });
});

describe("unpairedTask on MNIST", () => {
  const train = loadMnist("train");
  const test = loadMnist("test", { limit: 50 });
  const per = 28 * 28;
  const imageOf = (d: ImageData, i: number) => d.images.subarray(i * per, (i + 1) * per);
  const key = (x: Float32Array) => createHash("sha1").update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest("base64");

  it("A holds training images of one half as they are, B = T(images of the other half), with their labels", () => {
    const task = unpairedTask(train, test, { transform: "invert", seed: 1, limit: 200 });
    const { a: ia, b: ib } = splitHalves(train.count, 1);
    expect([task.a.count, task.b.count]).toEqual([200, 200]);
    for (const i of [0, 57, 199]) {
      expect(Array.from(imageOf(task.a, i))).toEqual(Array.from(imageOf(train, ia[i])));
      expect(Array.from(imageOf(task.b, i))).toEqual(Array.from(imageOf(train, ib[i])).map((v) => -v));
      expect(task.a.labels[i]).toBe(train.labels[ia[i]]);
      expect(task.b.labels[i]).toBe(train.labels[ib[i]]);
    }
    expect(task.b.name).toBe("mnist/train[B:invert]");
  });

  it("no image of B is T of an image of A (the halves are disjoint), over all 60000", () => {
    const task = unpairedTask(train, test, { transform: "rot90", seed: 2 });
    expect(task.a.count + task.b.count).toBe(60000);
    const inA = new Set<string>();
    for (let i = 0; i < task.a.count; i++) inA.add(key(imageOf(task.a, i)));
    const back = inverseTransform("rot90", task.b.images, { count: task.b.count, height: 28, width: 28, channels: 1 });
    // Images compared by content (a shared index would make ~30000 matches; a duplicate image in
    // MNIST itself could make one, and with this seed there is none).
    let shared = 0;
    for (let i = 0; i < task.b.count; i++) if (inA.has(key(back.subarray(i * per, (i + 1) * per)))) shared++;
    expect(shared).toBe(0);
  });

  it("validation pairs are (x, T(x)) for held-out training images that neither domain holds", () => {
    const task = unpairedTask(train, test, { transform: "invert", seed: 5, limit: 100, validation: 40 });
    const { a: ia, b: ib, validation: iv } = splitHalves(train.count, 5, 40);
    const v = task.validation!;
    expect(v.a.count).toBe(40);
    expect(Array.from(imageOf(v.a, 7))).toEqual(Array.from(imageOf(train, iv[7])));
    expect(Array.from(v.b.subarray(7 * per, 8 * per))).toEqual(Array.from(imageOf(train, iv[7])).map((x) => -x));
    expect(v.a.labels[7]).toBe(train.labels[iv[7]]);
    expect(Array.from(imageOf(task.a, 0))).toEqual(Array.from(imageOf(train, ia[0])));
    const held = new Set(iv);
    expect([...ia, ...ib].some((i) => held.has(i))).toBe(false);
    expect(unpairedTask(train, test, { transform: "invert", seed: 5, limit: 10 }).validation).toBeUndefined();
  });

  it("test pairs are (a, T(a)) on the test set, labels kept; the same seed gives the same task", () => {
    const task = unpairedTask(train, test, { transform: "rot90", seed: 4, limit: 20, testLimit: 30 });
    expect(task.test.a.count).toBe(30);
    expect(Array.from(task.test.a.labels)).toEqual(Array.from(test.labels.subarray(0, 30)));
    expect(Array.from(task.test.b)).toEqual(Array.from(applyTransform("rot90", test.images.subarray(0, 30 * per), { count: 30, height: 28, width: 28, channels: 1 })));
    const again = unpairedTask(train, test, { transform: "rot90", seed: 4, limit: 20, testLimit: 30 });
    expect(Array.from(again.a.images)).toEqual(Array.from(task.a.images));
    expect(Array.from(again.b.images)).toEqual(Array.from(task.b.images));
  });
});

describe("unpairedDatasetsTask: MNIST → Fashion-MNIST, no known answer", () => {
  const per = 28 * 28;
  const imageOf = (d: ImageData, i: number) => Array.from(d.images.subarray(i * per, (i + 1) * per));
  const [trainA, testA] = [loadMnist("train", { limit: 600 }), loadMnist("test", { limit: 40 })];
  const [trainB, testB] = [loadFashionMnist("train", { limit: 600 }), loadFashionMnist("test", { limit: 30 })];

  it("A is MNIST's images at one half's indices, B Fashion-MNIST's at the other half's, validation each set's held-out ones", () => {
    const task = unpairedDatasetsTask(trainA, testA, trainB, testB, { seed: 3, validation: 50, bDataset: "fashion-mnist" });
    const { a: ia, b: ib, validation: iv } = splitHalves(600, 3, 50);
    expect(task.transform).toBeUndefined();
    expect(task.bDataset).toBe("fashion-mnist");
    expect([task.a.count, task.b.count]).toEqual([275, 275]);
    for (const i of [0, 100, 274]) {
      expect(imageOf(task.a, i)).toEqual(imageOf(trainA, ia[i]));
      expect(imageOf(task.b, i)).toEqual(imageOf(trainB, ib[i]));
    }
    const v = task.validation!;
    expect(v.a.count).toBe(50);
    expect(imageOf(v.a, 9)).toEqual(imageOf(trainA, iv[9]));
    expect(Array.from(v.b.subarray(9 * per, 10 * per))).toEqual(imageOf(trainB, iv[9]));
  });

  it("its test pairs are each set's first test images, as many of each (the shorter set's count)", () => {
    const task = unpairedDatasetsTask(trainA, testA, trainB, testB, { seed: 3 });
    expect(task.test.a.count).toBe(30);
    expect(Array.from(task.test.a.labels)).toEqual(Array.from(testA.labels.subarray(0, 30)));
    expect(Array.from(task.test.b)).toEqual(Array.from(testB.images));
    expect(task.validation).toBeUndefined();
  });

  it("refuses domains of different image shapes", () => {
    const small: ImageData = { ...trainB, height: 14, width: 56 };
    expect(() => unpairedDatasetsTask(trainA, testA, small, testB, { seed: 1 })).toThrow(/one shape/);
  });
});
