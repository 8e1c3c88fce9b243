// The smallest toy member a pool test can train in milliseconds (ring8, 8-unit nets), and its init task.
import type { EganMemberConfig, WorkerTask } from "../../src/worker/protocol.ts";

export const tinyMember: EganMemberConfig = {
  dataset: "ring8",
  zDim: 2,
  gHidden: [8],
  dHidden: [8],
  mutations: ["minimax", "heuristic"],
  mu: 1,
  gamma: 1,
  nD: 1,
  batchSize: 8,
  evalBatchSize: 16,
  implementation: "fast",
  g: { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined },
  d: { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined },
  seed: 1,
};

export const initTiny = (memberId: string): WorkerTask => ({ kind: "init", memberId, backend: "wasm", config: tinyMember });
