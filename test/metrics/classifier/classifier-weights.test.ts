import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disposeClassifier, initClassifier, MNIST_CLASSIFIER_SPEC, PARAM_NAMES } from "../../../src/metrics/classifier/classifier-model.ts";
import { loadClassifier, MNIST_CLASSIFIER_FILE, readSidecar, saveClassifier, weightsFileOf } from "../../../src/metrics/classifier/classifier-weights.ts";
import { DEFAULT_RECIPE } from "../../../src/metrics/classifier/train-classifier.ts";
import { ClassifierWeightsError } from "../../../src/errors.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const dir = mkdtempSync(join(tmpdir(), "evogan-classifier-weights-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the committed classifier (sidecar + .bin) in a fresh directory. */
function committedCopy(name: string): { json: string; bin: string } {
  const sub = mkdtempSync(join(dir, `${name}-`));
  const sidecar = readSidecar(MNIST_CLASSIFIER_FILE);
  const json = join(sub, "mnist-classifier.json");
  const bin = join(sub, sidecar.weights);
  copyFileSync(MNIST_CLASSIFIER_FILE, json);
  copyFileSync(weightsFileOf(MNIST_CLASSIFIER_FILE, sidecar), bin);
  return { json, bin };
}

function thrown(f: () => unknown): ClassifierWeightsError {
  try {
    f();
  } catch (e) {
    if (e instanceof ClassifierWeightsError) return e;
    throw e;
  }
  throw new Error("expected a ClassifierWeightsError");
}

describe("classifier weights files", () => {
  it("round-trip: save then load gives the same weights, spec and recorded metadata", async () => {
    const c = initClassifier(MNIST_CLASSIFIER_SPEC, new Rng(11));
    const meta = { dataset: "mnist", recipe: DEFAULT_RECIPE, testAccuracy: 0.5, testCount: 10, epochs: [], backend: tf.getBackend() };
    const json = await saveClassifier(c, join(dir, "roundtrip"), "tiny", meta);
    const before = tf.memory().numTensors;
    const { classifier, sidecar } = loadClassifier(json);
    expect(tf.memory().numTensors).toBe(before + PARAM_NAMES.length);
    expect(classifier.spec).toEqual(MNIST_CLASSIFIER_SPEC);
    for (const n of PARAM_NAMES) expect(classifier.params[n].dataSync()).toEqual(c.params[n].dataSync());
    expect(sidecar.weights).toBe("tiny.bin");
    expect(sidecar.testAccuracy).toBe(0.5);
    expect(sidecar.recipe).toEqual(DEFAULT_RECIPE);
    disposeClassifier(c);
    disposeClassifier(classifier);
  });

  it("the committed MNIST weights load and match their recorded sha256 (< 1 MB)", () => {
    const { classifier, sidecar } = loadClassifier();
    expect(sidecar.bytes).toBeLessThan(1_000_000);
    expect(sidecar.dataset).toBe("mnist");
    disposeClassifier(classifier);
  });

  it("rejects a corrupted copy of the weights, naming the file and the sha256 mismatch", () => {
    const { json, bin } = committedCopy("flipped");
    const bytes = readFileSync(bin);
    bytes[1000] ^= 0x01; // one bit of one weight
    writeFileSync(bin, bytes);
    const e = thrown(() => loadClassifier(json));
    expect(e.file).toBe(bin);
    expect(e.message).toContain(bin);
    expect(e.message).toMatch(/sha256 .* does not match/);
    expect(e.reason).toBe("corrupt");
  });

  it("rejects a truncated weights file by its size, naming it", () => {
    const { json, bin } = committedCopy("truncated");
    writeFileSync(bin, readFileSync(bin).subarray(0, 1000));
    const e = thrown(() => loadClassifier(json));
    expect(e.message).toContain(bin);
    expect(e.message).toMatch(/has 1000 bytes/);
  });

  it("a missing weights file or sidecar is reported as missing, naming the path", () => {
    const { json, bin } = committedCopy("missing");
    rmSync(bin);
    const e = thrown(() => loadClassifier(json));
    expect(e.message).toContain(bin);
    expect(e.reason).toBe("missing");
    const absent = join(dir, "nowhere", "mnist-classifier.json");
    const e2 = thrown(() => loadClassifier(absent));
    expect(e2.message).toContain(absent);
    expect(e2.reason).toBe("missing");
  });

  it("rejects a sidecar whose shapes do not fit its spec, or that is not JSON", () => {
    const { json } = committedCopy("shapes");
    const s = JSON.parse(readFileSync(json, "utf8"));
    s.params[4].shape = [256, 128];
    writeFileSync(json, JSON.stringify(s));
    expect(() => loadClassifier(json)).toThrow(/fc1\.w has shape \[256,128\]/);
    writeFileSync(json, "{ nope");
    expect(thrown(() => loadClassifier(json)).message).toMatch(/not valid JSON/);
  });
});
