// PGGAN's growth schedule (Karras et al. 2018, §2): training starts at the lowest resolution
// (stage 0); each later stage k first fades in over fade[k − 1] iterations, its weight α rising
// linearly from 0 to 1, then trains at α = 1 ("stabilizes") for hold[k] iterations before stage
// k + 1 begins. The last stage holds forever. With S = hold.length + 1 stages and t the number
// of iterations done (the index of the iteration about to run):
//
//   stage 0:  t ∈ [0, hold[0])                                       α = 1
//   stage k:  t ∈ [T_k, T_k + fade[k−1])  (fading in)                α = (t − T_k) / fade[k−1]
//             t ∈ [T_k + fade[k−1], T_{k+1})                          α = 1
//   T_1 = hold[0],  T_{k+1} = T_k + fade[k−1] + hold[k]
//
// So α = 0 on the first iteration of a fade (the new stage's output is still exactly the
// upsampled old one, pggan.ts) and reaches 1 on the first iteration after it.
// A pure function of t: a checkpoint taken at iteration t resumes in the same stage and α, and a
// PBT member that copies another's checkpoint (continuing on the copied iteration count) lands
// where its own (possibly perturbed) schedule puts that count, its weights being the same shape
// at every stage.
// The paper counts in training images (600k per fade and per hold); evogan counts iterations,
// as its segments and checkpoints do.

export interface GrowthSchedule {
  /** hold[k]: iterations stage k trains at α = 1 before stage k + 1 grows in (every stage but the last). */
  readonly hold: readonly number[];
  /** fade[k]: iterations stage k + 1 fades in over (α from 0 to 1). */
  readonly fade: readonly number[];
}

export interface GrowthPoint {
  /** 0 … S − 1, lowest resolution first. */
  readonly stage: number;
  /** Weight of the newest stage's output against the upsampled previous one; 1 when not fading. */
  readonly alpha: number;
}

/** The number of stages S a schedule describes. */
export function stageCount(s: GrowthSchedule): number {
  return s.hold.length + 1;
}

/** Throws (a programmer error: configs are checked by their schema) unless s is a schedule of `stages` stages. */
export function checkGrowthSchedule(s: GrowthSchedule, stages?: number): void {
  if (s.hold.length !== s.fade.length) throw new Error(`growth schedule: hold has ${s.hold.length} entries, fade ${s.fade.length}; both need one per growth step`);
  if (stages !== undefined && stageCount(s) !== stages) throw new Error(`growth schedule describes ${stageCount(s)} stages, the model has ${stages}`);
  for (const [field, xs] of [["hold", s.hold], ["fade", s.fade]] as const) {
    xs.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0) throw new Error(`growth schedule: ${field}[${i}] must be a non-negative integer, got ${x}`);
    });
  }
}

/** The iteration stage k's fade-in starts at (T_k; 0 for stage 0). */
export function stageStart(s: GrowthSchedule, stage: number): number {
  let t = 0;
  for (let k = 1; k <= stage; k++) t += s.hold[k - 1] + (k >= 2 ? s.fade[k - 2] : 0);
  return t;
}

/** The first iteration at which the last stage trains at α = 1. */
export function fullyGrownAt(s: GrowthSchedule): number {
  const last = stageCount(s) - 1;
  return last === 0 ? 0 : stageStart(s, last) + s.fade[last - 1];
}

/** Stage and α for the iteration about to run, t = the number of iterations done (t ≥ 0). */
export function growthAt(s: GrowthSchedule, t: number): GrowthPoint {
  if (!Number.isInteger(t) || t < 0) throw new Error(`growthAt: iteration must be a non-negative integer, got ${t}`);
  let start = 0; // T_k
  for (let k = 0; ; k++) {
    if (k === s.hold.length) return { stage: k, alpha: k === 0 || t - start >= s.fade[k - 1] ? 1 : (t - start) / s.fade[k - 1] };
    const fade = k === 0 ? 0 : s.fade[k - 1];
    if (t < start + fade) return { stage: k, alpha: (t - start) / fade };
    const next = start + fade + s.hold[k];
    if (t < next) return { stage: k, alpha: 1 };
    start = next;
  }
}

/**
 * The paper's shape of schedule: every fade and every hold equally long (it uses 600k images
 * for each), here `phase` iterations.
 */
export function evenSchedule(stages: number, phase: number): GrowthSchedule {
  const steps = Array.from({ length: stages - 1 }, () => phase);
  return { hold: steps, fade: [...steps] };
}
