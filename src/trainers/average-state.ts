// The elementwise mean of members' trainer states, for population parameter averaging
// (strategies/average.ts). Every Float32Array in a trainer state is a learned quantity — weights,
// Adam's first and second moments, the EMA generator, spectral norm's power-iteration vectors and
// batch norm's statistics — and is averaged: w̄ = (1/n) Σ_i w_i. Everything else (the iteration
// count, Adam's step t, the random streams, the batch position, each parent's loss) is the
// receiving member's own, so each member goes on with its own batches and noise.
//
// Averaging needs one architecture: states whose structure differs (another key, another array
// length) are refused, naming the first path where they differ.
import type { TrainerState } from "./trainer.ts";

/** `own` with every Float32Array replaced by the mean of that array over `states` (which may include `own`). */
export function averageStates<S extends TrainerState>(states: readonly S[], own: S): S {
  if (states.length === 0) throw new RangeError("averageStates: no states to average");
  return averageAt(states as readonly unknown[], own, "state") as S;
}

function averageAt(values: readonly unknown[], own: unknown, path: string): unknown {
  if (own instanceof Float32Array) {
    const mean = new Float64Array(own.length);
    for (const v of values) {
      if (!(v instanceof Float32Array) || v.length !== own.length) throw mismatch(path, `${describe(v)} against ${describe(own)}`);
      for (let j = 0; j < mean.length; j++) mean[j] += v[j];
    }
    const out = new Float32Array(own.length);
    for (let j = 0; j < out.length; j++) out[j] = mean[j] / values.length;
    return out;
  }
  if (Array.isArray(own)) {
    for (const v of values) if (!Array.isArray(v) || v.length !== own.length) throw mismatch(path, `${describe(v)} against ${describe(own)}`);
    return own.map((x, i) => averageAt(values.map((v) => (v as unknown[])[i]), x, `${path}[${i}]`));
  }
  if (isRecord(own) && !ArrayBuffer.isView(own)) {
    const keys = Object.keys(own).sort();
    for (const v of values) {
      const other = isRecord(v) ? Object.keys(v).sort() : [];
      if (other.join("\u0000") !== keys.join("\u0000")) throw mismatch(path, `keys ${other.join(", ") || describe(v)} against ${keys.join(", ")}`);
    }
    return Object.fromEntries(keys.map((k) => [k, averageAt(values.map((v) => (v as Record<string, unknown>)[k]), own[k], `${path}.${k}`)]));
  }
  return own;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function describe(v: unknown): string {
  if (v instanceof Float32Array) return `${v.length} values`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return v === null ? "null" : typeof v;
}

function mismatch(path: string, detail: string): RangeError {
  return new RangeError(`averageStates: the members differ at ${path} (${detail}): averaging needs one architecture`);
}
