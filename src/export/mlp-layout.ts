// The toy MLPs (src/models/mlp.ts) as PyTorch modules: layer l is `layers.l` =
// Linear(in_l, out_l) of an nn.ModuleList, with ReLU between layers and none after the last:
//   G: zDim → gHidden... → 2 (a point in the plane), z ~ U(−1, 1)^zDim
//   D: 2·pack → dHidden... → 1 (a logit; with PacGAN packing, `pack` points per input)
// tfjs dense weights [in, out] → Linear [out, in].
import { layerSizes, type MlpSpec } from "../models/mlp.ts";
import type { ParamData } from "../models/image/params.ts";
import type { TensorMapping } from "./tensor-mapping.ts";

/** Parameters [W0, b0, W1, b1, ...] as named ones ("0", "1", ...): the names a toy EMA is saved under. */
export function mlpParamData(params: readonly Float32Array[], spec: MlpSpec): ParamData {
  const shapes = layerSizes(spec).flatMap(([i, o]) => [[i, o], [o]]);
  return Object.fromEntries(params.map((data, i) => [String(i), { shape: shapes[i] ?? [data.length], data }]));
}

export function mlpMapping(spec: MlpSpec): TensorMapping[] {
  return layerSizes(spec).flatMap(([nin, nout], l) => [
    { from: String(2 * l), to: `layers.${l}.weight`, shape: [nin, nout], axes: [1, 0] },
    { from: String(2 * l + 1), to: `layers.${l}.bias`, shape: [nout] },
  ]);
}
