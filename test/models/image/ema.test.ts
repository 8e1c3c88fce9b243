// EMA of generator weights on hand values.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { emaUpdate } from "../../../src/models/image/ema.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const values = (r: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Array.from(t.dataSync())]));

describe("emaUpdate", () => {
  it("before startStep is a copy of params (new tensors)", () => {
    const ema = { w: tf.tensor1d([10, 20]), "w.u": tf.tensor1d([1, 0]) };
    const params = { w: tf.tensor1d([1, 2]), "w.u": tf.tensor1d([0, 1]) };
    const out = emaUpdate(ema, params, 0.9, 4, 5);
    expect(values(out)).toEqual({ w: [1, 2], "w.u": [0, 1] });
    expect(out.w).not.toBe(params.w);
    tf.dispose([...Object.values(ema), ...Object.values(params), ...Object.values(out)]);
  });

  it("from startStep on: decay·ema + (1 − decay)·params, u buffers copied from params", () => {
    // 0.9·[10, 20] + 0.1·[1, 2] = [9.1, 18.2]; 0.9·[−5] + 0.1·[5] = [−4]
    const before = tf.memory().numTensors;
    const ema = { w: tf.tensor1d([10, 20]), "w.u": tf.tensor1d([1, 0]), b: tf.tensor1d([-5]) };
    const params = { w: tf.tensor1d([1, 2]), "w.u": tf.tensor1d([0, 1]), b: tf.tensor1d([5]) };
    const out = emaUpdate(ema, params, 0.9, 5, 5);
    const v = values(out);
    expect(Object.keys(v)).toEqual(["w", "w.u", "b"]);
    [9.1, 18.2].forEach((x, i) => expect(v.w[i]).toBeCloseTo(x, 5));
    expect(v["w.u"]).toEqual([0, 1]);
    expect(v.b[0]).toBeCloseTo(-4, 5);
    tf.dispose([...Object.values(ema), ...Object.values(params), ...Object.values(out)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
