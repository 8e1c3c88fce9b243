import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadImageData } from "../../../src/data/image-dataset.ts";
import { disposeClassifier } from "../../../src/metrics/classifier/classifier-model.ts";
import { classifierFile, loadClassifier } from "../../../src/metrics/classifier/classifier-weights.ts";
import { accuracy, type ClassifierDataset } from "../../../src/metrics/classifier/train-classifier.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

/** The accuracy each committed classifier must reach on its full test set. */
const FLOOR: ReadonlyArray<readonly [ClassifierDataset, number]> = [
  ["mnist", 0.99],
  ["fashion-mnist", 0.89],
];

describe.each(FLOOR)("the committed %s evaluation classifier", (dataset, floor) => {
  it(`reaches its recorded accuracy (≥ ${100 * floor}%) on the full 10k test set`, async () => {
    const { classifier, sidecar } = loadClassifier(classifierFile(dataset));
    const test = loadImageData(dataset, "test");
    expect(test.count).toBe(10_000);
    expect(sidecar.dataset).toBe(dataset);
    expect(sidecar.testCount).toBe(10_000);
    const before = tf.memory().numTensors;
    const acc = await accuracy(classifier, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(acc).toBeGreaterThanOrEqual(floor);
    expect(sidecar.testAccuracy).toBeGreaterThanOrEqual(floor);
    expect(Math.abs(acc - sidecar.testAccuracy)).toBeLessThanOrEqual(0.0005); // 0.05 percentage points
    disposeClassifier(classifier);
  });
});
