// The EMA copy of a network's weights: it follows the trained weights after every iteration,
// e ← decay·e + (1 − decay)·w from iteration `start` on (a plain copy before it; see
// src/models/image/ema.ts). Kept in checkpoints. G's (BigGAN; `trainer.ema`) is what sampling
// prefers; the semi-supervised D's (`model.classifierEma`) is the classifier whose accuracy is
// measured.
import * as tf from "@tensorflow/tfjs";
import { emaUpdate } from "../models/image/ema.ts";
import type { EmaConfig } from "../config/run-config.ts";
import { disposeParams, fromParamData, type ParamData, type Params } from "../models/image/params.ts";

/** Decay, and the iteration from which the EMA averages (before it, it copies the weights). */
export type EmaOptions = EmaConfig;

export class WeightsEma {
  private params: Params;

  /** A copy of `from` (new run) or the saved EMA weights (resumed run). */
  constructor(private readonly o: EmaOptions, from: Params | ParamData, saved = false) {
    this.params = saved ? fromParamData(from as ParamData) : Object.fromEntries(Object.entries(from as Params).map(([k, t]) => [k, tf.clone(t)]));
  }

  /** Follows the weights `w` after iteration `it`. */
  follow(w: Params, it: number): void {
    const next = tf.tidy(() => emaUpdate(this.params, w, this.o.decay, it, this.o.start));
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
export function weightsEma(o: EmaOptions | undefined, w0: () => Params, saved: ParamData | undefined): WeightsEma | undefined {
  if (!o) return undefined;
  return saved ? new WeightsEma(o, saved, true) : new WeightsEma(o, w0());
}
