// DCGAN (Radford et al. 2016) sized for 28×28 or 32×32 images on a CPU:
//   G: z → linear → (H/4)×(W/4)×2w → BN → ReLU → convT 4×4/2 → w → BN → ReLU → convT 4×4/2 → C → tanh
//   D: conv 4×4/2 → w → LReLU(0.2) → conv 4×4/2 → 2w → LReLU(0.2) → linear → 1 logit
// Weights N(0, 0.02) as in the paper; BN with a learned scale and offset in G only (D has no BN
// here, so E-GAN's gradient-norm fitness Fd and D's loss see each example on its own).
// Two options for D, off by default (the paper's D has neither):
//   spectralNorm: every D weight divided by its largest singular value (Miyato et al. 2018; one
//     power iteration per forward, as BigGAN's D here);
//   minibatchStd: PGGAN's minibatch-stddev channel before D's linear layer (groups of 4), so D
//     sees how varied a batch is (a collapsed G's batch has a low one); each score then reads
//     its group too, so Fd and D's loss no longer see each example on its own.
import * as tf from "@tensorflow/tfjs";
import type { ImageGanModel, ImageShape } from "./image-model.ts";
import { batchNorm, conv, initConv, initDense, linear } from "./layers.ts";
import { minibatchStddev } from "./pggan-layers.ts";
import type { ParamInit, Params } from "./params.ts";

export interface DcganSpec {
  readonly zDim: number;
  /** Base width w: G's last hidden layer and D's first have w channels, the others 2w. */
  readonly width: number;
  readonly shape: ImageShape;
  readonly spectralNorm?: boolean;
  readonly minibatchStd?: boolean;
}

const STD = 0.02;

export function dcgan(spec: DcganSpec): ImageGanModel {
  const { zDim, width: w, shape, spectralNorm = false, minibatchStd = false } = spec;
  if (shape.height % 4 !== 0 || shape.width % 4 !== 0) throw new Error(`dcgan: image size ${shape.height}×${shape.width} is not a multiple of 4`);
  const h0 = shape.height / 4;
  const w0 = shape.width / 4;
  const affine = (p: Params, name: string, x: tf.Tensor) => tf.add(tf.mul(batchNorm(x), p[`${name}.gamma`]), p[`${name}.beta`]);
  const up = (x: tf.Tensor4D, p: Params, name: string, cout: number) =>
    tf.add(tf.conv2dTranspose(x, p[`${name}.w`] as tf.Tensor4D, [x.shape[0], x.shape[1] * 2, x.shape[2] * 2, cout], 2, "same"), p[`${name}.b`]) as tf.Tensor4D;
  return {
    zDim,
    numClasses: 0,
    shape,
    initG(init: ParamInit) {
      initDense(init, "g.fc", zDim, h0 * w0 * 2 * w, { init: "normal", std: STD });
      init.ones("g.bn0.gamma", [2 * w]);
      init.zeros("g.bn0.beta", [2 * w]);
      // conv2dTranspose filters are [kh, kw, out, in].
      init.normal("g.up1.w", [4, 4, w, 2 * w], STD);
      init.zeros("g.up1.b", [w]);
      init.ones("g.bn1.gamma", [w]);
      init.zeros("g.bn1.beta", [w]);
      init.normal("g.up2.w", [4, 4, shape.channels, w], STD);
      init.zeros("g.up2.b", [shape.channels]);
    },
    initD(init: ParamInit) {
      const opts = { init: "normal", std: STD, sn: spectralNorm } as const;
      initConv(init, "d.conv1", 4, 4, shape.channels, w, opts);
      initConv(init, "d.conv2", 4, 4, w, 2 * w, opts);
      initDense(init, "d.fc", h0 * w0 * (2 * w + (minibatchStd ? 1 : 0)), 1, opts);
    },
    generate(g, z) {
      const n = z.shape[0];
      let x = tf.reshape(linear(z, g, "g.fc"), [n, h0, w0, 2 * w]) as tf.Tensor4D;
      x = tf.relu(affine(g, "g.bn0", x)) as tf.Tensor4D;
      x = tf.relu(affine(g, "g.bn1", up(x, g, "g.up1", w))) as tf.Tensor4D;
      return tf.tanh(up(x, g, "g.up2", shape.channels));
    },
    discriminate(d, x, _y, updates) {
      let h = tf.leakyRelu(conv(x, d, "d.conv1", updates, 2), 0.2) as tf.Tensor4D;
      h = tf.leakyRelu(conv(h, d, "d.conv2", updates, 2), 0.2) as tf.Tensor4D;
      if (minibatchStd) h = minibatchStddev(h);
      const flat = tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D;
      return tf.reshape(linear(flat, d, "d.fc", updates), [-1]) as tf.Tensor1D;
    },
    orthoRegNames: () => [],
  };
}
