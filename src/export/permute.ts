// Axis permutation of a row-major array (numpy's transpose): out[i_axes[0], i_axes[1], ...] = x[i_0, i_1, ...].
// What turns tfjs layouts (NHWC images, [kh, kw, cin, cout] filters, [in, out] dense weights)
// into PyTorch's (NCHW, [cout, cin, kh, kw], [out, in]).

/** x of shape `shape` with its axes reordered: the result's axis k is x's axis axes[k]. */
export function permute(x: Float32Array, shape: readonly number[], axes: readonly number[]): { shape: number[]; data: Float32Array } {
  const rank = shape.length;
  if (axes.length !== rank || [...axes].sort((a, b) => a - b).some((a, i) => a !== i)) throw new Error(`permute: [${axes}] is not a permutation of ${rank} axes`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== x.length) throw new Error(`permute: ${x.length} values for shape [${shape}]`);
  const outShape = axes.map((a) => shape[a]);
  // Row-major strides of x, taken in the result's axis order.
  const strides = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k];
  }
  const inStrides = axes.map((a) => strides[a]);
  const out = new Float32Array(size);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < size; i++) {
    out[i] = x[src];
    // Next result index (odometer over outShape), keeping src = Σ index[k]·inStrides[k].
    for (let k = rank - 1; k >= 0; k--) {
      index[k]++;
      src += inStrides[k];
      if (index[k] < outShape[k]) break;
      src -= index[k] * inStrides[k];
      index[k] = 0;
    }
  }
  return { shape: outShape, data: out };
}
