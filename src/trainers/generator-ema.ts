// The EMA copy of a generator (BigGAN): it follows the trained G after every iteration,
// e ← decay·e + (1 − decay)·G from iteration `start` on (a plain copy before it; see
// src/models/image/ema.ts), and sampling prefers it. Kept in checkpoints.
import * as tf from "@tensorflow/tfjs";
import { emaUpdate } from "../models/image/ema.ts";
import type { EmaConfig } from "../config/run-config.ts";
import { disposeParams, fromParamData, type ParamData, type Params } from "../models/image/params.ts";

/** `trainer.ema`: decay, and the iteration from which the EMA averages (before it, it copies G). */
export type EmaOptions = EmaConfig;

export class GeneratorEma {
  private params: Params;

  /** A copy of `g` (new run) or the saved EMA weights (resumed run). */
  constructor(private readonly o: EmaOptions, from: Params | ParamData, saved = false) {
    this.params = saved ? fromParamData(from as ParamData) : Object.fromEntries(Object.entries(from as Params).map(([k, t]) => [k, tf.clone(t)]));
  }

  /** Follows G after iteration `it`. */
  follow(g: Params, it: number): void {
    const next = tf.tidy(() => emaUpdate(this.params, g, this.o.decay, it, this.o.start));
    disposeParams(this.params);
    this.params = next;
  }

  get weights(): Params {
    return this.params;
  }

  dispose(): void {
    disposeParams(this.params);
  }
}

/** A trainer's EMA from its options and saved state: none when the options have none. */
export function generatorEma(o: EmaOptions | undefined, g0: () => Params, saved: ParamData | undefined): GeneratorEma | undefined {
  if (!o) return undefined;
  return saved ? new GeneratorEma(o, saved, true) : new GeneratorEma(o, g0());
}
