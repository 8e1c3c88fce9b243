// A generator scored on fresh samples: what the image benchmarks report instead of (or beside) the
// figures a run or sweep printed for itself. A sweep picks its best member by the very FID it then
// reports, so that figure is biased low by selection on noise; a run's own last evaluation is not,
// but reporting both through one procedure keeps the arms comparable. Samples come from a run's
// (or a sweep member's) newest intact checkpoint, EMA generator when it has one, as `evogan
// sample` does, on z seeds that no run's own evaluation uses.
import { useBackend } from "../src/compute/backend.ts";
import { classify, classScores, evaluationClassifier, fidAgainst, referenceStats } from "../src/metrics/classifier/image-metrics.ts";
import { newestRunWeights } from "../src/orchestrator/newest-checkpoint.ts";
import { localMemberPool } from "../src/orchestrator/member-pool.ts";
import { isImageMember, type ImagesResult } from "../src/worker/protocol.ts";
import { mean } from "./evogan-cli.ts";

/** The fresh z seeds of the n = 1000 figures, and the seed of the one n = 10,000 sample. */
export const FRESH_SEEDS = [11, 12, 13];
export const BIG_SEED = 999;
export const BIG = 10_000;
export const PER_IMAGE = 28 * 28;

export interface FreshScores {
  /** FID at n = 1000, one per fresh seed, and their mean. */
  readonly fid1kSeeds: readonly number[];
  readonly fid1k: number;
  /** FID, Inception Score and class TVD at n = 10,000. */
  readonly fid10k: number;
  readonly inceptionScore: number;
  readonly classTvd: number;
}

/** A run's (or sweep member's) generator, loaded once into its own one-thread worker; `draw(n, seed)` samples it. */
export async function loadGenerator(dir: string) {
  const run = await newestRunWeights(dir);
  if (!isImageMember(run.config)) throw new Error(`${dir} is not an image run`);
  const pool = localMemberPool(1);
  await pool.run(0, { kind: "init", memberId: "fresh", backend: "auto", config: run.config, state: run.state });
  return {
    draw: async (n: number, seed: number) => (await pool.run<ImagesResult>(0, { kind: "sample", memberId: "fresh", n, seed, ema: true, direction: "AtoB" })).images,
    close: () => pool.destroy(),
  };
}

/** MNIST's scorer: evogan's evaluation classifier and the test set's reference statistics. */
export async function mnistScorer() {
  await useBackend("auto");
  const classifier = evaluationClassifier("mnist");
  const ref = await referenceStats("mnist");
  return async (images: Float32Array) => {
    const n = images.length / PER_IMAGE;
    const c = await classify(classifier, images, n);
    return { fid: fidAgainst(c.features, n, classifier.spec.hidden, ref), ...classScores(c.probs, n, classifier.spec.classes) };
  };
}

/** Fresh scores of one run or sweep member directory. */
export async function freshScores(dir: string, score: Awaited<ReturnType<typeof mnistScorer>>): Promise<FreshScores> {
  const g = await loadGenerator(dir);
  try {
    const fid1kSeeds: number[] = [];
    for (const seed of FRESH_SEEDS) fid1kSeeds.push((await score(await g.draw(1000, seed))).fid);
    const big = await score(await g.draw(BIG, BIG_SEED));
    return { fid1kSeeds, fid1k: mean(fid1kSeeds), fid10k: big.fid, inceptionScore: big.inceptionScore, classTvd: big.classTvd };
  } finally {
    await g.close();
  }
}
