// DCGAN (src/models/image/dcgan.ts) as PyTorch modules, tensor for tensor. With w the width,
// C the image channels, H×W the image size, h0 = H/4, w0 = W/4:
//   G: fc  = Linear(zDim, 2w·h0·w0), then .view(n, 2w, h0, w0)
//      bn0 = BatchNorm2d(2w), ReLU
//      up1 = ConvTranspose2d(2w, w, 4, stride=2, padding=1), bn1 = BatchNorm2d(w), ReLU
//      up2 = ConvTranspose2d(w, C, 4, stride=2, padding=1), tanh
//   D: conv1 = Conv2d(C, w, 4, stride=2, padding=1), LeakyReLU(0.2)
//      conv2 = Conv2d(w, 2w, 4, stride=2, padding=1), LeakyReLU(0.2)
//      fc    = Linear(2w·h0·w0, 1) on .flatten(1), one logit per image
// Batch norm: evogan's normalises with the batch's own mean and biased variance, ε = 1e-5, when
// sampling too (src/models/image/layers.ts batchNorm): BatchNorm2d(..., track_running_stats=False).
// tfjs 'same' padding of a 4×4 stride-2 conv pads (k − s)/2 = 1 on every side for even sizes (28,
// 14, 32, 16), so padding=1 is exact; the transposed convs are those convs' transposes.
// Layouts: tfjs conv filters [kh, kw, cin, cout] → Conv2d [cout, cin, kh, kw]; tfjs
// conv2dTranspose filters [kh, kw, out, in] → ConvTranspose2d [in, out, kh, kw] (the same axes
// (3, 2, 0, 1) both times); tfjs dense [in, out] → Linear [out, in]. G's fc output is reshaped
// NHWC [n, h0, w0, 2w] in tfjs, so its output features are reordered (h, w, c) → (c, h, w) for
// PyTorch's NCHW view; D's flatten sees NHWC in tfjs, so fc's input features are reordered alike.
import type { ImageShape } from "../models/image/image-model.ts";
import type { TensorMapping } from "./tensor-mapping.ts";

export interface DcganDims {
  readonly zDim: number;
  readonly width: number;
  readonly shape: ImageShape;
}

/** Conv2d or ConvTranspose2d: [kh, kw, a, b] → [b, a, kh, kw]. */
const FILTER_AXES = [3, 2, 0, 1];

export function dcganGeneratorMapping({ zDim, width: w, shape }: DcganDims): TensorMapping[] {
  const h0 = shape.height / 4;
  const w0 = shape.width / 4;
  const f = h0 * w0 * 2 * w;
  return [
    // fc.weight[(c, i, j), k] = g.fc.w[k, (i, j, c)]
    { from: "g.fc.w", to: "fc.weight", shape: [zDim, f], view: [zDim, h0, w0, 2 * w], axes: [3, 1, 2, 0], as: [f, zDim] },
    { from: "g.fc.b", to: "fc.bias", shape: [f], view: [h0, w0, 2 * w], axes: [2, 0, 1], as: [f] },
    { from: "g.bn0.gamma", to: "bn0.weight", shape: [2 * w] },
    { from: "g.bn0.beta", to: "bn0.bias", shape: [2 * w] },
    { from: "g.up1.w", to: "up1.weight", shape: [4, 4, w, 2 * w], axes: FILTER_AXES },
    { from: "g.up1.b", to: "up1.bias", shape: [w] },
    { from: "g.bn1.gamma", to: "bn1.weight", shape: [w] },
    { from: "g.bn1.beta", to: "bn1.bias", shape: [w] },
    { from: "g.up2.w", to: "up2.weight", shape: [4, 4, shape.channels, w], axes: FILTER_AXES },
    { from: "g.up2.b", to: "up2.bias", shape: [shape.channels] },
  ];
}

export function dcganDiscriminatorMapping({ width: w, shape }: DcganDims): TensorMapping[] {
  const h0 = shape.height / 4;
  const w0 = shape.width / 4;
  const f = h0 * w0 * 2 * w;
  return [
    { from: "d.conv1.w", to: "conv1.weight", shape: [4, 4, shape.channels, w], axes: FILTER_AXES },
    { from: "d.conv1.b", to: "conv1.bias", shape: [w] },
    { from: "d.conv2.w", to: "conv2.weight", shape: [4, 4, w, 2 * w], axes: FILTER_AXES },
    { from: "d.conv2.b", to: "conv2.bias", shape: [2 * w] },
    // fc.weight[0, (c, i, j)] = d.fc.w[(i, j, c), 0]
    { from: "d.fc.w", to: "fc.weight", shape: [f, 1], view: [h0, w0, 2 * w, 1], axes: [3, 2, 0, 1], as: [1, f] },
    { from: "d.fc.b", to: "fc.bias", shape: [1] },
  ];
}
