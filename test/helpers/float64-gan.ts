// An independent float64 reimplementation of the toy networks and losses, with gradients by
// central finite differences, for checking the tfjs code against (no tfjs here).

/** Forward pass of an MLP with ReLU hidden layers; params = [W0 (in×out row-major), b0, W1, b1, ...]. */
export function mlp64(params: readonly Float64Array[], x: readonly number[], dims: readonly number[]): number[] {
  let h = [...x];
  const layers = dims.length - 1;
  for (let l = 0; l < layers; l++) {
    const [nIn, nOut] = [dims[l], dims[l + 1]];
    const W = params[2 * l];
    const b = params[2 * l + 1];
    const out = new Array<number>(nOut).fill(0);
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let i = 0; i < nIn; i++) s += h[i] * W[i * nOut + j];
      out[j] = l < layers - 1 ? Math.max(0, s) : s;
    }
    h = out;
  }
  return h;
}

export const sigmoid = (o: number) => 1 / (1 + Math.exp(-o));
export const softplus = (o: number) => (o > 0 ? o + Math.log1p(Math.exp(-o)) : Math.log1p(Math.exp(o)));

export function generatorLoss64(mutation: string, logits: readonly number[]): number {
  const n = logits.length;
  let s = 0;
  for (const o of logits) {
    const d = sigmoid(o);
    if (mutation === "minimax") s += Math.log(1 - d);
    else if (mutation === "heuristic") s += -Math.log(d);
    else if (mutation === "least-squares") s += (d - 1) ** 2;
    else s += -o;
  }
  return s / n;
}

export function dLoss64(real: readonly number[], fake: readonly number[]): number {
  const mean = (a: readonly number[], f: (o: number) => number) => a.reduce((s, o) => s + f(o), 0) / a.length;
  return mean(real, (o) => softplus(-o)) + mean(fake, (o) => softplus(o));
}

/** Gradient of f with respect to every entry of every param array, by central differences. */
export function fdGrad(params: Float64Array[], f: () => number, h = 1e-6): Float64Array[] {
  return params.map((p) => {
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i];
      p[i] = keep + h;
      const up = f();
      p[i] = keep - h;
      const down = f();
      p[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}

export interface Adam64 {
  params: Float64Array[];
  m: Float64Array[];
  v: Float64Array[];
  t: number;
}

export function adam64(s: Adam64, g: Float64Array[], lr: number, b1: number, b2: number, eps: number): Adam64 {
  const t = s.t + 1;
  const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  const m = s.m.map((mi, k) => mi.map((x, i) => b1 * x + (1 - b1) * g[k][i]));
  const v = s.v.map((vi, k) => vi.map((x, i) => b2 * x + (1 - b2) * g[k][i] ** 2));
  const params = s.params.map((p, k) => p.map((x, i) => x - (alpha * m[k][i]) / (Math.sqrt(v[k][i]) + eps)));
  return { params, m, v, t };
}

export const rows = (flat: Float32Array, width: number): number[][] =>
  Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
