// Checking a wasm kernel against the tfjs cpu backend: deterministic inputs, running the same
// function on either backend, and comparing within 1e-4 of the expected tensor's scale.
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";

/** Deterministic values in [-1, 1); with `zeroBelow`, values under it become 0 (relu-like ties). */
export function values(shape: number[], seed: number, zeroBelow?: number): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out: number[] = new Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s / 2 ** 32) * 2 - 1;
    out[i] = zeroBelow != null && v < zeroBelow ? 0 : v;
  }
  return out;
}

export function tensor(shape: number[], seed: number, zeroBelow?: number): tf.Tensor {
  return tf.tensor(values(shape, seed, zeroBelow), shape);
}

export interface Result {
  shape: number[];
  data: number[];
}

/** Runs `f` on `backend` and reads its result back. */
export async function on(backend: "cpu" | "wasm", f: () => tf.Tensor): Promise<Result> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const result = { shape: t.shape.slice(), data: Array.from(t.dataSync()) };
  t.dispose();
  return result;
}

/** Same shape, and every element within 1e-4 of the expected tensor's scale. */
export function expectClose(actual: Result, expected: Result): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.data.length).toBe(expected.data.length);
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= worst)) {
      worst = d;
      worstAt = i;
    }
  }
  expect(worst, `worst |wasm - cpu| at flat index ${worstAt}`).toBeLessThanOrEqual(1e-4 * scale);
}

/**
 * Wraps wasm's kernels `names` as they are registered now so that each call to them is counted,
 * and returns the count of a name: registered below the native kernels, this counts the calls
 * that fell through to wasm.
 */
export function countWasmKernelCalls<N extends string>(names: readonly N[]): (name: N) => number {
  const calls = new Map<N, number>(names.map((n) => [n, 0]));
  for (const name of names) {
    const cfg = tf.getKernel(name, "wasm");
    if (cfg == null) throw new Error(`${name} is not registered for wasm`);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return cfg.kernelFunc(args);
      },
    });
  }
  return (name) => calls.get(name) ?? 0;
}
