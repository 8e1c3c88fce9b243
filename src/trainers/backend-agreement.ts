// One trainer iteration on two backends from the same state, for checks that a backend computes
// what the cpu backend does (test/compute/webgpu-child.ts, scripts/gpu-check.ts). The state is
// made on the first backend by `warmup` iterations: at initialisation every loss's first Adam step
// is about lr·sign(g), so the children tie and rounding would pick the survivors.
import type { Trainer, TrainerRecord, TrainerState } from "./trainer.ts";

export interface IterationOutcome {
  readonly records: TrainerRecord[];
  readonly state: TrainerState;
}

/** One iteration (with its held-back record) and the state after it; the trainer is disposed. */
export async function oneIteration(t: Trainer<TrainerState>): Promise<IterationOutcome> {
  const records = [await t.step(), await t.flush()].filter((r): r is TrainerRecord => r !== undefined);
  const state = await t.exportState();
  t.dispose();
  return { records, state };
}

/** The float arrays of a state in a fixed order, and the rest of it (iteration, rng, Adam's t) as JSON. */
export function stateArrays(x: unknown): { floats: Float32Array[]; rest: string } {
  const floats: Float32Array[] = [];
  const rest = JSON.stringify(x, (_, v) => {
    if (v instanceof Float32Array) {
      floats.push(v);
      return `f32[${v.length}]`;
    }
    return v;
  });
  return { floats, rest };
}

/**
 * `warmup` iterations on `reference` (then its state), one iteration from that state on
 * `reference` and one on `candidate`. `use` switches the process's backend.
 */
export async function iterateOnBoth<B extends string>(
  make: (state?: TrainerState) => Trainer<TrainerState>,
  warmup: number,
  use: (backend: B) => Promise<unknown>,
  reference: B,
  candidate: B,
): Promise<{ reference: IterationOutcome; candidate: IterationOutcome }> {
  await use(reference);
  const w = make();
  for (let i = 0; i < warmup; i++) await w.step();
  await w.flush();
  const start = await w.exportState();
  w.dispose();
  const ref = await oneIteration(make(start));
  await use(candidate);
  return { reference: ref, candidate: await oneIteration(make(start)) };
}
