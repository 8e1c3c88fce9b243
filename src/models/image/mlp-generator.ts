// Salimans et al. 2016's MNIST generator (improved-gan, train_mnist_feature_matching.py): the G of
// the published 100-label result that SGAN's D comes from (sgan.ts).
//
//   G: z → dense 500 → BN → softplus → dense 500 → BN → softplus → weight-normed dense H·W·C → tanh
//
// Why next to DCGAN's convolutional G: it is matrix products only, which evogan's native GEMM runs
// at full speed on a CPU core, where a DCGAN G's transposed convolutions were about half of an
// SGAN iteration; the semi-supervised task wants D's accuracy, and G only has to feed D images
// near the data. Departures: their output is a sigmoid on [0, 1], this one tanh on evogan's
// [−1, 1] (tanh a = 2σ(2a) − 1, the same family of functions); their BN learns an offset only,
// this one a scale too (batchNormAffine, starting at 1, so the same function at init).
import * as tf from "@tensorflow/tfjs";
import type { ImageShape } from "./image-model.ts";
import { batchNormAffine, initDense, weightNormLinear } from "./layers.ts";
import type { ParamInit, Params } from "./params.ts";

export interface MlpGeneratorSpec {
  readonly zDim: number;
  /** Hidden widths, z side first (Salimans et al.: 500, 500). */
  readonly hidden: readonly number[];
  readonly shape: ImageShape;
}

/** An unconditional generator on its own: its weights, and z → images in [−1, 1]. */
export interface ImageGenerator {
  initG(init: ParamInit): void;
  generate(g: Params, z: tf.Tensor2D): tf.Tensor4D;
}

export const MLP_G_HIDDEN = [500, 500] as const;

export function mlpGenerator(spec: MlpGeneratorSpec): ImageGenerator {
  const { zDim, hidden, shape } = spec;
  const out = shape.height * shape.width * shape.channels;
  return {
    initG(init: ParamInit) {
      let fanIn = zDim;
      hidden.forEach((n, i) => {
        // No bias: BN's offset takes its place. He's scale; BN makes the scale irrelevant.
        initDense(init, `g.fc${i}`, fanIn, n, { init: "normal", std: Math.sqrt(2 / fanIn), bias: false });
        init.ones(`g.bn${i}.gamma`, [n]);
        init.zeros(`g.bn${i}.beta`, [n]);
        fanIn = n;
      });
      // Weight norm: w = g·v/‖v‖ per output pixel, g starting at 1.
      init.normal("g.out.v", [fanIn, out], 1 / Math.sqrt(fanIn));
      init.ones("g.out.g", [out]);
      init.zeros("g.out.b", [out]);
    },
    generate(g, z) {
      let h: tf.Tensor2D = z;
      hidden.forEach((_, i) => {
        const a = tf.matMul(h, g[`g.fc${i}.w`] as tf.Tensor2D);
        h = tf.softplus(batchNormAffine(a, g[`g.bn${i}.gamma`], g[`g.bn${i}.beta`])) as tf.Tensor2D;
      });
      const x = tf.tanh(weightNormLinear(h, g, "g.out"));
      return tf.reshape(x, [z.shape[0], shape.height, shape.width, shape.channels]) as tf.Tensor4D;
    },
  };
}
