// PGGAN (Karras et al. 2018) trained as an E-GAN member: the image E-GAN trainer's iteration
// (src/trainers/image-egan-trainer.ts) on a model that grows. At the start of iteration t
// (t = iterations done) the growth point (stage, α) = growthAt(schedule, t) (growth-schedule.ts)
// is computed once, and every phase of that iteration runs the model at that point: the children's
// G steps, their fitness, and D's steps (the base trainer counts t + 1 before D's steps, so
// reading the iteration count there would be off by one at a boundary). `sample` draws at
// growthAt(schedule, t) for the t iterations done, the point the next iteration would train at:
// at a stage's first iteration α = 0, so that is exactly the image of the stage trained so far.
// The growth point is a pure function of t, so the checkpoint needs nothing beyond the base
// trainer's state: a resumed run, or a PBT member continuing from a copy of another's checkpoint
// under its own schedule, lands where its schedule puts t. Every stage's weights exist from the
// start (pggan.ts), so the state has one shape at every stage.
// Each iteration's record carries its stage and α. During a fade D's real images are blended
// between the two resolutions as G's are (fadeReals), as in Karras et al.'s code; D's step is the
// only place reals are faded (E-GAN's Fd and the rsgan mutation read them unfaded).
// An EMA of G (trainer.ema) averages from max(start, fullyGrownAt(schedule)) on and copies G
// before: with fades of ~1000 iterations an average of decay 0.999 would still hold the previous
// stage's weights through most of a fade, and where growth ends depends on the member's own
// schedule, which PBT perturbs. So `start: 0` means "from the end of the last fade".
import type { GrowthPoint, GrowthSchedule } from "../models/image/growth-schedule.ts";
import { checkGrowthSchedule, fullyGrownAt, growthAt } from "../models/image/growth-schedule.ts";
import type { ImageGanModel } from "../models/image/image-model.ts";
import type { Pggan } from "../models/image/pggan.ts";
import { fadeReals } from "../models/image/pggan-layers.ts";
import type { Rng } from "../util/rng.ts";
import type { SampledImages, SampleOptions } from "./image-sampling.ts";
import { ImageEganTrainer, type ImageEganOptions, type ImageEganState } from "./image-egan-trainer.ts";
import type { TrainerRecord } from "./trainer.ts";

export type PgganOptions = Omit<ImageEganOptions, "model"> & {
  readonly pggan: Pggan;
  readonly schedule: GrowthSchedule;
};

/** An iteration's record with the growth point it trained at. */
export type PgganRecord = TrainerRecord & GrowthPoint;

/** The EMA options with averaging held off until the schedule is fully grown (see the header). */
export function emaAfterGrowth(ema: PgganOptions["ema"], schedule: GrowthSchedule): PgganOptions["ema"] {
  return ema && { ...ema, start: Math.max(ema.start, fullyGrownAt(schedule)) };
}

export class PgganTrainer extends ImageEganTrainer {
  private point: GrowthPoint;
  private current: ImageGanModel;

  constructor(
    readonly growing: PgganOptions,
    state?: ImageEganState,
  ) {
    checkGrowthSchedule(growing.schedule, growing.pggan.stages);
    const point = growthAt(growing.schedule, state?.it ?? 0);
    const model = growing.pggan.atGrowth(point.stage, point.alpha);
    super({ ...growing, model, ema: emaAfterGrowth(growing.ema, growing.schedule) }, state);
    this.point = point;
    this.current = model;
  }

  /** The growth point the next iteration trains at (and `sample` draws at): growthAt(schedule, iterations done). */
  get growth(): GrowthPoint {
    return growthAt(this.growing.schedule, this.iteration);
  }

  protected override get model(): ImageGanModel {
    return this.current;
  }

  /** Moves to growthAt(schedule, t) (a new model object only when the point changed). */
  private growTo(t: number): void {
    const p = growthAt(this.growing.schedule, t);
    if (p.stage === this.point.stage && p.alpha === this.point.alpha) return;
    this.point = p;
    this.current = this.growing.pggan.atGrowth(p.stage, p.alpha);
  }

  /** D's objective with its real images faded as G's are during a fade (pggan-layers.ts fadeReals). */
  protected override dObjective(...[w, real, fake, fakeY, updates]: Parameters<ImageEganTrainer["dObjective"]>): ReturnType<ImageEganTrainer["dObjective"]> {
    const { stage, alpha } = this.point;
    return super.dObjective(w, { ...real, x: fadeReals(real.x, stage, this.growing.pggan.stages, alpha) }, fake, fakeY, updates);
  }

  /** Record r (iteration r.it, 1-based) with the growth point it trained at. */
  private stamped(r: TrainerRecord | undefined): PgganRecord | undefined {
    return r && { ...r, ...growthAt(this.growing.schedule, r.it - 1) };
  }

  override async step(): Promise<PgganRecord | undefined> {
    this.growTo(this.iteration);
    return this.stamped(await super.step());
  }

  override async flush(): Promise<PgganRecord | undefined> {
    return this.stamped(await super.flush());
  }

  override sample(n: number, rng: Rng, opts: SampleOptions = {}): Promise<SampledImages> {
    this.growTo(this.iteration);
    return super.sample(n, rng, opts);
  }
}
