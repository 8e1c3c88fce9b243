// Messages between the orchestrator and the Piscina worker that trains members. A member's
// trainer stays resident in the worker that holds it; only records, metrics, samples and (on
// request) the member's state cross the thread boundary.
import type { BackendChoice, ResolvedBackend } from "../compute/backend.ts";
import type { RunConfig, TrainerConfig } from "../config/run-config.ts";
import type { ToyDatasetName } from "../data/toy-datasets.ts";
import type { EvalMetrics, IterationRecord } from "../records.ts";
import type { RngState } from "../util/rng.ts";
import type { EganOptions } from "../trainers/egan-trainer.ts";
import type { ImageTrainerConfig } from "../trainers/image-trainer.ts";
import { isCycleganState, type TrainerState } from "../trainers/trainer.ts";
import type { Direction } from "../trainers/cyclegan-trainer.ts";

/** What a worker needs to build a toy member's trainer: the trainer's options, the dataset by name. */
export type ToyMemberConfig = Omit<EganOptions, "dataset"> &
  Pick<TrainerConfig, "implementation"> & {
    readonly kind?: "toy";
    readonly dataset: ToyDatasetName;
  };

/** An image member (DCGAN, BigGAN, BigBiGAN, SGAN, PGGAN, CycleGAN): the run config's parts that shape its trainer, and the size of its evaluations' sample grid. */
export type ImageMemberConfig = ImageTrainerConfig & {
  readonly kind: "image";
  readonly grid: RunConfig["eval"]["grid"];
};

/** Any member; a config without `kind` (checkpoints from before image members) is a toy one. */
export type EganMemberConfig = ToyMemberConfig | ImageMemberConfig;

export const isImageMember = (c: EganMemberConfig): c is ImageMemberConfig => c.kind === "image";

export type { TrainerState } from "../trainers/trainer.ts";

/** A copy of a trainer's state that draws from `rng` from now on (an exploited PBT member). */
export function reseedTrainer(state: TrainerState, rng: RngState): TrainerState {
  // A CycleGAN draws nothing but its batches, whose order comes from the member's own seed (the
  // copy's config), not from the state: its copy is already on batches of its own.
  if (isCycleganState(state)) return state;
  return "draws" in state ? { ...state, draws: { ...state.draws, rng } } : { ...state, rng };
}

/** A copy of a trainer's state that counts iterations from `it` (a copy continues on its copier's timeline). */
export function retimeTrainer(state: TrainerState, it: number): TrainerState {
  return { ...state, it };
}

/** A member's trainer state plus the training time it has accumulated. */
export interface MemberState {
  readonly trainer: TrainerState;
  readonly trainMs: number;
}

export type WorkerTask =
  | { readonly kind: "init"; readonly memberId: string; readonly backend: BackendChoice; readonly config: EganMemberConfig; readonly state?: MemberState }
  | {
      readonly kind: "advance";
      readonly memberId: string;
      readonly iterations: number;
      readonly evaluate?: { readonly samples: number };
      /** Sweep generation and retry attempt, for logs and fault injection (EVOGAN_FAULT_INJECT). */
      readonly generation?: number;
      readonly attempt?: number;
    }
  | { readonly kind: "export"; readonly memberId: string }
  /**
   * Image members: n images from the generator (its EMA copy unless ema is false). CycleGAN
   * members: n test images chosen by `seed` (domain A's, or B's for direction "BtoA") and their
   * translations, as `originals` and `images`.
   */
  | { readonly kind: "sample"; readonly memberId: string; readonly n: number; readonly seed: number; readonly truncation?: number; readonly classLabel?: number; readonly ema: boolean; readonly direction?: Direction }
  /** BigBiGAN members: n test images and their reconstructions G(E(x)). */
  | { readonly kind: "reconstruct"; readonly memberId: string; readonly n: number; readonly ema: boolean }
  | { readonly kind: "release"; readonly memberId: string };

export interface InitResult {
  readonly backend: ResolvedBackend;
  /** What runs the matrix products (e.g. OpenBLAS on the wasm heap). */
  readonly matmul: string;
}

export interface Evaluation {
  readonly it: number;
  readonly metrics: EvalMetrics;
  /** The evaluation's picture as PNG bytes: toy, the samples against the mixture's centres; images, the fixed-z grid. */
  readonly png: Uint8Array;
}

export interface ImagesResult {
  readonly iteration: number;
  readonly shape: { readonly height: number; readonly width: number; readonly channels: number };
  /** n × H × W × C in [−1, 1]. */
  readonly images: Float32Array;
  /** reconstruct: the test images the reconstructions are of; a CycleGAN's sample: the inputs translated (same layout). */
  readonly originals?: Float32Array;
}

export interface AdvanceResult {
  readonly records: IterationRecord[];
  readonly evaluation?: Evaluation;
  /** Set when every child of an iteration had a NaN fitness; `records` hold what came before. */
  readonly divergedAt?: number;
  readonly trainMs: number;
}
