// Axis permutation against the index formula written out: out[i_a0, i_a1, ...] = x[i_0, i_1, ...].
import { describe, expect, it } from "vitest";
import { permute } from "../../src/export/permute.ts";

describe("permute", () => {
  const shape = [2, 3, 4, 5];
  const x = Float32Array.from({ length: 120 }, (_, i) => i);
  const at = (s: readonly number[], idx: readonly number[]) => idx.reduce((flat, v, k) => flat * s[k] + v, 0);

  it.each([
    [[3, 2, 0, 1]], // tfjs filters [kh, kw, cin, cout] → PyTorch [cout, cin, kh, kw]
    [[0, 3, 1, 2]], // NHWC → NCHW
    [[0, 1, 2, 3]],
    [[1, 0, 3, 2]],
  ])("axes %j move every value where the formula says", (axes) => {
    const out = permute(x, shape, axes);
    expect(out.shape).toEqual(axes.map((a) => shape[a]));
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 4; c++)
          for (let d = 0; d < 5; d++) {
            const idx = [a, b, c, d];
            expect(out.data[at(out.shape, axes.map((k) => idx[k]))]).toBe(x[at(shape, idx)]);
          }
  });

  it("a matrix transposes", () => {
    expect(Array.from(permute(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]).data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("refuses axes that are not a permutation, and values that do not fill the shape", () => {
    expect(() => permute(x, shape, [0, 1, 2, 2])).toThrow(/not a permutation/);
    expect(() => permute(x, shape, [0, 1, 2])).toThrow(/not a permutation/);
    expect(() => permute(x, [2, 3], [1, 0])).toThrow(/120 values for shape \[2,3\]/);
  });
});
