// How well a CycleGAN pair G: A → B, F: B → A has learned a known transform T
// (src/data/unpaired-domains.ts), measured on test pairs (a, b = T(a)) with a's labels. Errors are
// mean absolute differences per pixel on the [0, 1] scale (x01 = (x + 1)/2, so half the mean on
// evogan's [−1, 1] scale): 0 is exact, 1 is every pixel as wrong as it can be.
//   translationError       E|G(a) − T(a)|            the issue's ‖G(a) − T(a)‖₁
//   backTranslationError   E|F(b) − a|               the same for F = T⁻¹
//   cycleErrorA            E|F(G(a)) − a|
//   cycleErrorB            E|G(F(b)) − b|
//   labelPreservation      share of a whose T⁻¹(G(a)) the evaluation classifier labels as a's
//                          label: G kept the content, not just the style of domain B
//   backLabelPreservation  share of a whose F(b) the classifier labels as a's label
// and, when asked, FID in each domain with the evaluation classifier's features
// (src/metrics/classifier/image-metrics.ts), against its training-set reference:
//   fidB  of T⁻¹(G(a)): G's translations mapped back through the known T⁻¹, i.e. domain B's FID
//         under the feature map "classifier ∘ T⁻¹";  fidA  of F(b), domain A's FID as it is.
// The classifier is trained on untransformed images only, which is why B-side images are read
// through T⁻¹ first. With G = T exactly, T⁻¹(G(a)) = a and labelPreservation is the
// classifier's own accuracy on these test images.
// Without a known T (domain B another dataset, `transform` undefined) nothing says what G(a)
// should be: the translation errors and label preservations are NaN ("-" in reports), the cycle
// errors are as above, and fidB is G(a)'s FID under B's own classifier against B's reference.
import type { DomainTransform, TestPairs } from "../data/unpaired-domains.ts";
import { inverseTransform } from "../data/unpaired-domains.ts";
import { classify, evaluationClassifier, fidAgainst, predictedClasses, referenceStats } from "./classifier/image-metrics.ts";
import type { ClassifierDataset } from "./classifier/train-classifier.ts";

/** A translation of `count` NHWC images in [−1, 1] (e.g. a trainer's G or F). */
export type Translate = (images: Float32Array, count: number) => Promise<Float32Array>;

export interface Translators {
  /** G: A → B. */
  readonly aToB: Translate;
  /** F: B → A. */
  readonly bToA: Translate;
}

export interface TranslationMetrics {
  readonly samples: number;
  readonly translationError: number;
  readonly backTranslationError: number;
  readonly cycleErrorA: number;
  readonly cycleErrorB: number;
  readonly labelPreservation: number;
  readonly backLabelPreservation: number;
  readonly fidA?: number;
  readonly fidB?: number;
}

export interface TranslationMetricsOptions {
  /** Which committed classifier reads the images. Default "mnist". */
  readonly dataset?: ClassifierDataset;
  /** Without a transform: domain B's dataset, whose classifier reads G(a) for fidB. Default `dataset`. */
  readonly bDataset?: ClassifierDataset;
  /** Also FID in each domain (classifies the reference set once per process). Default false. */
  readonly fid?: boolean;
}

/** Mean |x − y| per value on the [0, 1] scale, for x, y on [−1, 1]: ½·mean |x − y|. */
export function meanError01(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) throw new Error(`meanError01: ${x.length} values against ${y.length}`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
  return s / (2 * x.length);
}

export async function translationMetrics(t: Translators, pairs: TestPairs, transform: DomainTransform | undefined, opts: TranslationMetricsOptions = {}): Promise<TranslationMetrics> {
  const dataset = opts.dataset ?? "mnist";
  const { a: testA, b } = pairs;
  const n = testA.count;
  if (n < 1) throw new Error("translationMetrics: no test pairs");
  const a = testA.images;
  const block = { count: n, height: testA.height, width: testA.width, channels: testA.channels };
  const gA = await t.aToB(a, n);
  const fB = await t.bToA(b, n);
  const fgA = await t.bToA(gA, n);
  const gfB = await t.aToB(fB, n);
  if (transform === undefined) return unanswered(gA, fB, fgA, gfB, pairs, opts);
  const classifier = evaluationClassifier(dataset);
  const k = classifier.spec.classes;
  const back = inverseTransform(transform, gA, block);
  const [viaG, viaF] = [await classify(classifier, back, n), await classify(classifier, fB, n)];
  const agree = (probs: Float64Array) => {
    const predicted = predictedClasses(probs, n, k);
    let same = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === testA.labels[i]) same++;
    return same / n;
  };
  const out: TranslationMetrics = {
    samples: n,
    translationError: meanError01(gA, b),
    backTranslationError: meanError01(fB, a),
    cycleErrorA: meanError01(fgA, a),
    cycleErrorB: meanError01(gfB, b),
    labelPreservation: agree(viaG.probs),
    backLabelPreservation: agree(viaF.probs),
  };
  if (!opts.fid) return out;
  if (n < 2) throw new Error("translationMetrics: FID needs at least 2 test pairs");
  const ref = await referenceStats(dataset);
  const d = classifier.spec.hidden;
  return { ...out, fidA: fidAgainst(viaF.features, n, d, ref), fidB: fidAgainst(viaG.features, n, d, ref) };
}

/** The metrics of a task without a known T: cycle errors, and each domain's FID under its own classifier. */
async function unanswered(gA: Float32Array, fB: Float32Array, fgA: Float32Array, gfB: Float32Array, pairs: TestPairs, opts: TranslationMetricsOptions): Promise<TranslationMetrics> {
  const n = pairs.a.count;
  const out: TranslationMetrics = {
    samples: n,
    translationError: NaN,
    backTranslationError: NaN,
    cycleErrorA: meanError01(fgA, pairs.a.images),
    cycleErrorB: meanError01(gfB, pairs.b),
    labelPreservation: NaN,
    backLabelPreservation: NaN,
  };
  if (!opts.fid) return out;
  if (n < 2) throw new Error("translationMetrics: FID needs at least 2 test pairs");
  const fidIn = async (dataset: ClassifierDataset, images: Float32Array): Promise<number> => {
    const classifier = evaluationClassifier(dataset);
    return fidAgainst((await classify(classifier, images, n)).features, n, classifier.spec.hidden, await referenceStats(dataset));
  };
  const dataset = opts.dataset ?? "mnist";
  return { ...out, fidA: await fidIn(dataset, fB), fidB: await fidIn(opts.bDataset ?? dataset, gA) };
}
