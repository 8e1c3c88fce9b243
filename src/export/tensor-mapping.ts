// How one evogan tensor becomes one tensor of a PyTorch state dict: its name there, and the
// reshape → permute → reshape that turns the tfjs layout into PyTorch's. Every evogan tensor a
// mapping names must be in the checkpoint with exactly the shape the model config implies;
// anything else means the checkpoint does not hold the model its config describes.
import { CheckpointCorrupt } from "../errors.ts";
import type { ParamData } from "../models/image/params.ts";
import { permute } from "./permute.ts";
import type { SafeTensor } from "./safetensors.ts";

export interface TensorMapping {
  /** The evogan name (src/models/image/params.ts), e.g. "g.up1.w". */
  readonly from: string;
  /** The PyTorch state-dict name, e.g. "up1.weight". */
  readonly to: string;
  /** The evogan shape the model config implies. */
  readonly shape: readonly number[];
  /** Read the values as this shape before permuting (default: `shape`). */
  readonly view?: readonly number[];
  /** The permutation (numpy transpose axes) of `view` (default: none). */
  readonly axes?: readonly number[];
  /** The PyTorch shape (default: the permuted view). */
  readonly as?: readonly number[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The PyTorch tensors of `params` under `mappings`, each name prefixed with `prefix`; `file` is named when a tensor is missing or misshapen. */
export function mapTensors(params: ParamData, mappings: readonly TensorMapping[], prefix: string, file: string): SafeTensor[] {
  return mappings.map((m) => {
    const t = params[m.from];
    if (t === undefined) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: no tensor ${m.from}, which the run's model config implies` });
    if (t.shape.length !== m.shape.length || t.shape.some((d, i) => d !== m.shape[i])) {
      throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: ${m.from} has shape [${t.shape}], the run's model config implies [${m.shape}]` });
    }
    const view = m.view ?? m.shape;
    if (size(view) !== size(m.shape) || (m.as !== undefined && size(m.as) !== size(m.shape))) throw new Error(`mapping of ${m.from}: views of different sizes`);
    const permuted = m.axes ? permute(t.data, view, m.axes) : { shape: [...view], data: Float32Array.from(t.data) };
    return { name: prefix + m.to, shape: m.as ? [...m.as] : permuted.shape, data: permuted.data };
  });
}
