// The one interface every trainer implements (toy E-GAN, image E-GAN for DCGAN and BigGAN,
// BigBiGAN, CycleGAN), so that the worker drives them all the same way: `step` per iteration, `flush` at a
// segment's end, `exportState` for checkpoints and copies, `dispose` when the member leaves.
// Each E-GAN iteration reads the device once (the children's fitness, which selection needs), so
// an iteration's record (D's loss) is completed by the next one: `step` returns the previous
// iteration's record and `flush` the last.
import type { ChildRecord } from "../records.ts";
import type { EncoderGanState } from "./encoder-gan-trainer.ts";
import type { CycleganState } from "./cyclegan-trainer.ts";
import type { EganStateData } from "./egan-trainer.ts";
import type { ImageEganState } from "./image-egan-trainer.ts";

/** An iteration's record without the wall clock, which the caller stamps. */
export interface TrainerRecord {
  readonly it: number;
  readonly children: ChildRecord[];
  readonly survivors: number[];
  dLoss: number;
}

/** Every child's fitness was NaN (`new TrainingDiverged(iteration)`); the tagged error of src/errors.ts, re-exported for the trainers. */
export { TrainingDiverged } from "../errors.ts";

export interface Trainer<State> {
  /** Iterations done. */
  readonly iteration: number;
  /** One iteration (throws TrainingDiverged); returns the previous iteration's record, now complete. */
  step(): Promise<TrainerRecord | undefined>;
  /** The record `step` still holds back. */
  flush(): Promise<TrainerRecord | undefined>;
  /** The whole state as plain arrays: a trainer built from it continues exactly. */
  exportState(): Promise<State>;
  /** Fault injection (EVOGAN_FAULT_INJECT): the generators' weights turn NaN. */
  corruptGenerators(): void;
  dispose(): void;
}

/** Any trainer's exported state. */
export type TrainerState = EganStateData | ImageEganState | EncoderGanState | CycleganState;

/** A toy trainer's state: MLP parents with Adam moments and a plain rng. */
export const isToyState = (s: TrainerState): s is EganStateData => "rng" in s;
/** BigBiGAN's and augmented BiGAN's state: an encoder beside G and D. */
export const isEncoderGanState = (s: TrainerState): s is EncoderGanState => "e" in s;
/** An image E-GAN's state (DCGAN, BigGAN): parents on named parameters. */
export const isImageEganState = (s: TrainerState): s is ImageEganState => "draws" in s && "parents" in s;
/** CycleGAN's state: G and F on one side, D_A and D_B on the other, each with its Adam state. */
export const isCycleganState = (s: TrainerState): s is CycleganState => "generators" in s && "discriminators" in s;
