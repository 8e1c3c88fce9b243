// Adam over named parameters (src/models/image/params.ts): the moments exist for the trained
// entries only; spectral-norm u buffers ride along in `p` and are replaced by a step's updates.
// The update itself is adam.ts's (the Lasagne form the rest of evogan uses).
import * as tf from "@tensorflow/tfjs";
import { fromParamData, readParamData, trainableNames, type ParamData, type Params, type Updates } from "../models/image/params.ts";
import { adamStep, type AdamHyper } from "./adam.ts";

export interface NamedAdam {
  readonly p: Params;
  readonly m: Params;
  readonly v: Params;
  readonly t: number;
}

export interface NamedAdamData {
  readonly p: ParamData;
  readonly m: ParamData;
  readonly v: ParamData;
  readonly t: number;
}

export function namedAdamInit(p: Params): NamedAdam {
  const m: Record<string, tf.Tensor> = {};
  const v: Record<string, tf.Tensor> = {};
  for (const n of trainableNames(p)) {
    m[n] = tf.zerosLike(p[n]);
    v[n] = tf.zerosLike(p[n]);
  }
  return { p, m, v, t: 0 };
}

/** One Adam step with `grads` (in trainableNames order); `updates` (new u vectors) are swapped in. New tensors only. */
export function namedAdamStep(s: NamedAdam, grads: readonly tf.Tensor[], h: AdamHyper, updates?: Updates): NamedAdam {
  const names = trainableNames(s.p);
  const next = adamStep({ params: names.map((n) => s.p[n]), m: names.map((n) => s.m[n]), v: names.map((n) => s.v[n]), t: s.t }, grads, h);
  const p: Record<string, tf.Tensor> = {};
  const m: Record<string, tf.Tensor> = {};
  const v: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(s.p)) {
    const i = names.indexOf(name);
    if (i >= 0) {
      p[name] = next.params[i];
      m[name] = next.m[i];
      v[name] = next.v[i];
    } else {
      // A u buffer: the step's new estimate, or a copy of the old one (so the result owns all its tensors).
      p[name] = updates?.get(name) ?? tf.clone(s.p[name]);
    }
  }
  return { p, m, v, t: next.t };
}

export function keepNamedAdam(s: NamedAdam): NamedAdam {
  for (const t of [...Object.values(s.p), ...Object.values(s.m), ...Object.values(s.v)]) tf.keep(t);
  return s;
}

export function disposeNamedAdam(s: NamedAdam): void {
  tf.dispose([...Object.values(s.p), ...Object.values(s.m), ...Object.values(s.v)]);
}

export async function namedAdamToData(s: NamedAdam): Promise<NamedAdamData> {
  const [p, m, v] = await Promise.all([readParamData(s.p), readParamData(s.m), readParamData(s.v)]);
  return { p, m, v, t: s.t };
}

export function namedAdamFromData(d: NamedAdamData): NamedAdam {
  return { p: fromParamData(d.p), m: fromParamData(d.m), v: fromParamData(d.v), t: d.t };
}

