import type { RunConfig } from "../config/run-config.ts";
import type { EganMemberConfig } from "../worker/protocol.ts";

/** The part of a run config that a worker needs to build the member's trainer. */
export function memberConfig(c: RunConfig): EganMemberConfig {
  return {
    dataset: c.task.dataset,
    zDim: c.model.zDim,
    gHidden: c.model.gHidden,
    dHidden: c.model.dHidden,
    mutations: c.trainer.mutations,
    mu: c.trainer.mu,
    gamma: c.trainer.gamma,
    nD: c.trainer.nD,
    batchSize: c.trainer.batchSize,
    evalBatchSize: c.trainer.evalBatchSize,
    implementation: c.trainer.implementation,
    g: c.trainer.g,
    d: c.trainer.d,
    seed: c.seed,
  };
}
