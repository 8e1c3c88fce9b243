import { scoreMutations } from "../../strategies/egan.ts";
import type { RunConfig } from "../config/run-config.ts";
import type { EganMemberConfig, ToyMemberConfig } from "../worker/protocol.ts";

/** The part of a run config that a worker needs to build the member's trainer. */
export function memberConfig(c: RunConfig): EganMemberConfig {
  const m = c.model;
  if (m.family !== "mlp") return { kind: "image", task: c.task, model: m, trainer: c.trainer, seed: c.seed, grid: c.eval.grid };
  return toyMemberConfig(c);
}

/** The toy trainer's options of an MLP run config. */
export function toyMemberConfig(c: RunConfig): ToyMemberConfig {
  const m = c.model;
  if (m.family !== "mlp" || (c.task.dataset !== "ring8" && c.task.dataset !== "grid25")) throw new Error(`not a toy run: ${m.family} on ${c.task.dataset}`);
  return {
    kind: "toy",
    dataset: c.task.dataset,
    zDim: m.zDim,
    gHidden: m.gHidden,
    dHidden: m.dHidden,
    mutations: scoreMutations(c.trainer.mutations),
    mu: c.trainer.mu,
    gamma: c.trainer.gamma,
    nD: c.trainer.nD,
    batchSize: c.trainer.batchSize,
    evalBatchSize: c.trainer.evalBatchSize,
    implementation: c.trainer.implementation,
    g: c.trainer.g,
    d: c.trainer.d,
    seed: c.seed,
    pack: c.trainer.pack,
    ...(c.trainer.ema ? { ema: c.trainer.ema } : {}),
    ...(c.trainer.instanceNoise ? { instanceNoise: c.trainer.instanceNoise } : {}),
    ...(c.trainer.evolveEvery !== 1 ? { evolveEvery: c.trainer.evolveEvery } : {}),
    ...(c.trainer.selection !== "sum" ? { selection: c.trainer.selection } : {}),
  };
}
