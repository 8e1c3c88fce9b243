// Orthogonal init (WᵀW = I or WWᵀ = I) and the orthogonal regulariser's value and gradient.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { orthogonalArray, orthogonalRegularization } from "../../../src/models/image/orthogonal.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

/** Gram matrix of the columns (byColumns) or rows of a row-major rows×cols matrix, in float64. */
function gram(a: Float32Array, rows: number, cols: number, byColumns: boolean): number[][] {
  const n = byColumns ? cols : rows;
  const len = byColumns ? rows : cols;
  const at = (v: number, i: number) => (byColumns ? a[i * cols + v] : a[v * cols + i]);
  return Array.from({ length: n }, (_, x) =>
    Array.from({ length: n }, (_, y) => {
      let s = 0;
      for (let i = 0; i < len; i++) s += at(x, i) * at(y, i);
      return s;
    }),
  );
}

describe("orthogonalArray", () => {
  it("a tall conv weight [3, 3, 4, 8] (36×8) has orthonormal columns: WᵀW = I", () => {
    const w = orthogonalArray([3, 3, 4, 8], new Rng(1));
    expect(w.length).toBe(288);
    gram(w, 36, 8, true).forEach((r, i) => r.forEach((x, j) => expect(x).toBeCloseTo(i === j ? 1 : 0, 5)));
  });

  it("a wide dense weight [4, 10] has orthonormal rows: WWᵀ = I, and gain scales it", () => {
    const w = orthogonalArray([4, 10], new Rng(2), 2);
    gram(w, 4, 10, false).forEach((r, i) => r.forEach((x, j) => expect(x).toBeCloseTo(i === j ? 4 : 0, 5)));
  });

  it("is seeded: same seed same weights, another seed other weights", () => {
    expect(orthogonalArray([5, 3], new Rng(9))).toEqual(orthogonalArray([5, 3], new Rng(9)));
    expect(orthogonalArray([5, 3], new Rng(9))).not.toEqual(orthogonalArray([5, 3], new Rng(10)));
  });
});

describe("orthogonalRegularization", () => {
  // W = [[1, 0], [1, 1], [0, 2]] (3×2):
  //   WᵀW = [[1+1+0, 0+1+0], [0+1+0, 0+1+4]] = [[2, 1], [1, 5]]
  //   ‖WᵀW ⊙ (1 − I)‖² = 1² + 1² = 2.
  // V = [[1, 2, 3]] (1×3): VᵀV = [[1,2,3],[2,4,6],[3,6,9]], off-diagonal squares 2·(4 + 9 + 36) = 98.
  const W = [[1, 0], [1, 1], [0, 2]];
  const V = [[1, 2, 3]];

  it("β Σ‖WᵀW ⊙ (1 − I)‖²_F by hand: 0.5·(2 + 98) = 50", () => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => orthogonalRegularization([tf.tensor2d(W), tf.tensor2d(V)], 0.5).dataSync()[0]);
    expect(v).toBeCloseTo(50, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("defaults to β = 1e-4", () => {
    const v = tf.tidy(() => orthogonalRegularization([tf.tensor2d(W)]).dataSync()[0]);
    expect(v).toBeCloseTo(2e-4, 9);
  });

  it("gradient = 4β·W(WᵀW ⊙ (1 − I)): 4·0.5·[[0,1],[1,1],[2,0]] by hand", () => {
    // W·[[0, 1], [1, 0]] = [[0, 1], [1, 1], [2, 0]].
    const g = tf.tidy(() => Array.from(tf.grad((w: tf.Tensor) => orthogonalRegularization([w], 0.5))(tf.tensor2d(W)).dataSync()));
    expect(g).toEqual([0, 2, 2, 2, 4, 0]);
  });

  it("gradient of a conv-shaped weight matches float64 finite differences", () => {
    const shape = [1, 2, 2, 3]; // W = reshape(w, [4, 3])
    const rng = new Rng(5);
    const w = Array.from(rng.normalArray(12));
    const beta = 0.1;
    const f = (x: number[]) => {
      let s = 0;
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          if (a === b) continue;
          let g = 0;
          for (let k = 0; k < 4; k++) g += x[k * 3 + a] * x[k * 3 + b];
          s += g * g;
        }
      return beta * s;
    };
    const h = 1e-6;
    const fd = w.map((_, i) => {
      const p = w.slice(), m = w.slice();
      p[i] += h;
      m[i] -= h;
      return (f(p) - f(m)) / (2 * h);
    });
    const g = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => orthogonalRegularization([x], beta))(tf.tensor(w, shape)).dataSync()));
    g.forEach((x, i) => expect(x).toBeCloseTo(fd[i], 3));
  });

  it("wide and tall weights together match the plain formula β Σ‖WᵀW ⊙ (1 − I)‖² with autodiff, value and gradient", () => {
    // The wide weight [3, 40] takes the K×K path (WWᵀ, column norms) instead of the 40×40 Gram matrix.
    const rng = new Rng(8);
    const shapes = [[3, 40], [2, 2, 3, 5], [6, 4]];
    const beta = 0.01;
    const plain = (...ws: tf.Tensor[]) =>
      tf.mul(
        tf.addN(
          ws.map((w) => {
            const cout = w.shape[w.rank - 1];
            const m = tf.reshape(w, [-1, cout]) as tf.Tensor2D;
            return tf.sum(tf.square(tf.mul(tf.matMul(m, m, true, false), tf.sub(1, tf.eye(cout)))));
          }),
        ),
        beta,
      ) as tf.Scalar;
    const before = tf.memory().numTensors;
    const [want, got] = tf.tidy(() => {
      const ws = shapes.map((sh) => tf.tensor(rng.normalArray(sh.reduce((a, b) => a * b, 1)), sh));
      const run = (f: (...ws: tf.Tensor[]) => tf.Scalar) => {
        const { value, grads } = tf.valueAndGrads(f)(ws);
        return { value: value.dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) };
      };
      return [run(plain), run((...xs) => orthogonalRegularization(xs, beta))];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(got.value).toBeCloseTo(want.value, 4);
    expect(Math.abs(got.value - want.value) / want.value).toBeLessThan(1e-5);
    want.grads.forEach((g, i) => g.forEach((x, j) => expect(got.grads[i][j]).toBeCloseTo(x, 5)));
  });
});
