// Messages between the orchestrator and the Piscina worker that trains members. A member's
// trainer stays resident in the worker that holds it; only records, metrics, samples and (on
// request) the member's state cross the thread boundary.
import type { BackendChoice, ResolvedBackend } from "../compute/backend.ts";
import type { ToyDatasetName } from "../data/toy-datasets.ts";
import type { IterationRecord, ToyMetrics } from "../records.ts";
import type { EganOptions, EganStateData } from "../trainers/egan-trainer.ts";

/** What a worker needs to build a member's trainer: the trainer's options, the dataset by name. */
export type EganMemberConfig = Omit<EganOptions, "dataset"> & {
  readonly dataset: ToyDatasetName;
  readonly implementation: "fast" | "reference";
};

/** A member's trainer state plus the training time it has accumulated. */
export interface MemberState {
  readonly trainer: EganStateData;
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
  | { readonly kind: "release"; readonly memberId: string };

export interface InitResult {
  readonly backend: ResolvedBackend;
  /** What runs the matrix products (e.g. OpenBLAS on the wasm heap). */
  readonly matmul: string;
}

export interface Evaluation {
  readonly it: number;
  readonly metrics: ToyMetrics;
  /** The evaluated samples (x0, y0, ...), for the scatter plot. */
  readonly samples: Float32Array;
}

export interface AdvanceResult {
  readonly records: IterationRecord[];
  readonly evaluation?: Evaluation;
  /** Set when every child of an iteration had a NaN fitness; `records` hold what came before. */
  readonly divergedAt?: number;
  readonly trainMs: number;
}
