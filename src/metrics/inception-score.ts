// Inception-style score of Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen, "Improved
// Techniques for Training GANs", NeurIPS 2016: IS = exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean
// of the classifier's rows over the sample. It lies in [1, k]: k when predictions are confident and
// spread evenly over the k classes, 1 when every sample gets the same distribution.
// classTvd is the total-variation distance between the predicted-class histogram and a reference
// class distribution (uniform by default): a direct mode-coverage / mode-balance measure.

/** exp(mean_x KL(p(y|x) ‖ p(y))) for n rows of k class probabilities (row-major). */
export function inceptionScore(probs: Float32Array | Float64Array, n: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`inceptionScore: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`inceptionScore: k must be a positive integer, got ${k}`);
  if (probs.length !== n * k) throw new Error(`inceptionScore: expected ${n}×${k} = ${n * k} probabilities, got ${probs.length}`);
  const marginal = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const p = probs[r * k + j];
      if (!(p >= 0) || !Number.isFinite(p)) throw new Error(`inceptionScore: row ${r} has invalid probability ${p}`);
      sum += p;
      marginal[j] += p;
    }
    if (Math.abs(sum - 1) > 1e-3) throw new Error(`inceptionScore: row ${r} sums to ${sum}, not 1`);
  }
  for (let j = 0; j < k; j++) marginal[j] /= n;
  let klSum = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      const p = probs[r * k + j];
      if (p > 0) klSum += p * (Math.log(p) - Math.log(marginal[j])); // p > 0 ⇒ marginal[j] > 0
    }
  }
  return Math.exp(klSum / n);
}

/** ½ Σ_c |freq(c) − ref(c)| over classes 0..k−1; `reference` defaults to uniform 1/k. */
export function classTvd(predictedClasses: Int32Array | number[], k: number, reference?: number[]): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`classTvd: k must be a positive integer, got ${k}`);
  const n = predictedClasses.length;
  if (n === 0) throw new Error("classTvd: no predictions");
  const ref = reference ?? Array.from({ length: k }, () => 1 / k);
  if (ref.length !== k) throw new Error(`classTvd: reference has ${ref.length} entries, expected ${k}`);
  const refSum = ref.reduce((s, x) => s + x, 0);
  if (ref.some((x) => !(x >= 0)) || Math.abs(refSum - 1) > 1e-6) {
    throw new Error(`classTvd: reference must be a probability distribution (non-negative, sum 1; sum is ${refSum})`);
  }
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = predictedClasses[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`classTvd: prediction ${i} is class ${c}, outside 0..${k - 1}`);
    counts[c]++;
  }
  let tvd = 0;
  for (let c = 0; c < k; c++) tvd += Math.abs(counts[c] / n - ref[c]);
  return 0.5 * tvd;
}
