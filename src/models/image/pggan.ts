// PGGAN (Karras et al., "Progressive growing of GANs", ICLR 2018; Table 2 and Appendix A)
// sized for MNIST on a CPU. S stages (default 3) at resolutions r_k = r_0·2^k, r_{S−1} the image
// size: 7 → 14 → 28 for MNIST, so no padding to 32 and the same 7×7 base as evogan's DCGAN.
// Channels ch_k = round(2w/2^k) (w the width; 64, 32, 16 at w = 32: the paper halves the width
// as the resolution doubles). Every layer has an equalized learning rate (pggan-layers.ts),
// LReLU = LeakyReLU(0.2), PN = pixelwise normalization:
//
//   G:  z → PN → dense → r_0×r_0×ch_0 → LReLU, PN → conv3×3 → LReLU, PN                 = h_0
//       h_k = [conv3×3 → LReLU, PN] ×2 on up2x(h_{k−1}), ch_{k−1} → ch_k → ch_k          (k ≥ 1)
//       toRGB_k: 1×1 conv ch_k → C (gain 1, linear)
//   D:  fromRGB_k: 1×1 conv C → ch_k, LReLU
//       block_k (k ≥ 1): [conv3×3 → LReLU] ×2, ch_k → ch_k → ch_{k−1}, then pool2x
//       final: minibatch stddev (ch_0 + 1) → conv3×3 → ch_0, LReLU → dense → 1 logit
//
// At growth point (stage s, α) G's image is o = toRGB_s(h_s), or while stage s fades in
//   o = (1 − α)·up2x(toRGB_{s−1}(h_{s−1})) + α·toRGB_s(h_s),
// then tanh, then nearest-upsampled by 2^(S−1−s) to full size. D average-pools its full-size
// input to r_s and mirrors G: h = fromRGB_s(x_s) → block_s, or while fading
//   h = (1 − α)·fromRGB_{s−1}(pool2x(x_s)) + α·block_s(fromRGB_s(x_s)),
// then blocks s−1 … 1 and the final block. So G's image and D's input are always full size
// (the paper's code does the same: its G upsamples the current level's output, its D pools), the
// model has one shape for the trainer at every stage, and D at stage s sees G's r_s image
// exactly (pooling a nearest-upsampled image gives it back) and the reals pooled to r_s.
// At α = 0 the new stage's image is exactly the previous stage's, and so is D's score.
//
// Departures from the paper, each for the CPU budget or MNIST's size: the 7×7 base (the paper
// starts at 4×4); G's first dense layer has He's gain √2 (the paper's code √2/4, mimicking a 4×4
// conv); D's final block ends with one dense layer to the logit (the paper adds a 4×4 conv to
// ch_0 first, ~200k weights at 7×7); tanh on G's output (evogan's images are in [−1, 1]; the
// paper's G is linear); and no blending of the reals during a fade (the paper's code lerps each
// real between its pooled-and-upsampled and full versions by α; that is the trainer's data side,
// left out).
//
// Every stage's parameters are declared at init, so a checkpoint or a PBT copy has the same
// shape whatever its stage. At a growth point a forward pass reads only its stages' parameters;
// the rest get zero gradients (withZeroGradients), so Adam leaves them where they are.
import * as tf from "@tensorflow/tfjs";
import type { ImageGanModel, ImageShape } from "./image-model.ts";
import type { ParamInit, Params } from "./params.ts";
import { eqConv, eqDense, fadeIn, initEqConv, initEqDense, lrelu, minibatchStddev, pixelNorm, pool2x, rescale, up2x, withZeroGradients } from "./pggan-layers.ts";

export interface PgganSpec {
  readonly zDim: number;
  /** Base width w: the lowest resolution has 2w channels, each doubling of resolution halves them. */
  readonly width: number;
  readonly shape: ImageShape;
  /** Number of resolutions S (default 3: 7, 14, 28 for 28×28 images). */
  readonly stages?: number;
}

export interface Pggan {
  readonly spec: PgganSpec;
  readonly stages: number;
  /** r_0 … r_{S−1}. */
  readonly resolutions: readonly number[];
  /** ch_0 … ch_{S−1}. */
  readonly channels: readonly number[];
  initG(init: ParamInit): void;
  initD(init: ParamInit): void;
  /** The model at growth point (stage, α): full-size images in and out at every stage. */
  atGrowth(stage: number, alpha: number): ImageGanModel;
}

/** Default number of stages: 7 → 14 → 28 on MNIST. */
const STAGES = 3;

export function pggan(spec: PgganSpec): Pggan {
  const { zDim, width: w, shape } = spec;
  const S = spec.stages ?? STAGES;
  const C = shape.channels;
  const f = 2 ** (S - 1);
  if (!Number.isInteger(S) || S < 1) throw new Error(`pggan: stages must be a positive integer, got ${S}`);
  if (shape.height % f !== 0 || shape.width % f !== 0) throw new Error(`pggan: image size ${shape.height}×${shape.width} is not a multiple of 2^${S - 1}`);
  const r0 = [shape.height / f, shape.width / f] as const;
  const resolutions = Array.from({ length: S }, (_, k) => r0[0] * 2 ** k);
  const ch = Array.from({ length: S }, (_, k) => Math.max(1, Math.round((2 * w) / 2 ** k)));

  const initG = (init: ParamInit) => {
    initEqDense(init, "g.base.fc", zDim, r0[0] * r0[1] * ch[0]);
    initEqConv(init, "g.base.conv", 3, ch[0], ch[0]);
    for (let k = 1; k < S; k++) {
      initEqConv(init, `g.block${k}.conv1`, 3, ch[k - 1], ch[k]);
      initEqConv(init, `g.block${k}.conv2`, 3, ch[k], ch[k]);
    }
    for (let k = 0; k < S; k++) initEqConv(init, `g.rgb${k}`, 1, ch[k], C);
  };
  const initD = (init: ParamInit) => {
    for (let k = 0; k < S; k++) initEqConv(init, `d.rgb${k}`, 1, C, ch[k]);
    for (let k = S - 1; k >= 1; k--) {
      initEqConv(init, `d.block${k}.conv1`, 3, ch[k], ch[k]);
      initEqConv(init, `d.block${k}.conv2`, 3, ch[k], ch[k - 1]);
    }
    initEqConv(init, "d.final.conv", 3, ch[0] + 1, ch[0]);
    initEqDense(init, "d.final.fc", r0[0] * r0[1] * ch[0], 1);
  };

  const toRgb = (h: tf.Tensor4D, g: Params, k: number) => eqConv(h, g, `g.rgb${k}`, 1);
  const fromRgb = (x: tf.Tensor4D, d: Params, k: number) => lrelu(eqConv(x, d, `d.rgb${k}`));
  const gConv = (h: tf.Tensor4D, g: Params, name: string) => pixelNorm(lrelu(eqConv(h, g, name)));
  const dConv = (h: tf.Tensor4D, d: Params, name: string) => lrelu(eqConv(h, d, name));

  function atGrowth(stage: number, alpha: number): ImageGanModel {
    if (!Number.isInteger(stage) || stage < 0 || stage >= S) throw new Error(`pggan: stage must be an integer in 0..${S - 1}, got ${stage}`);
    if (!(alpha >= 0 && alpha <= 1)) throw new Error(`pggan: α must be in [0, 1], got ${alpha}`);
    const fading = stage > 0 && alpha < 1;
    // The parameters this growth point reads: its blocks, its toRGB/fromRGB and, while fading, the previous stage's.
    const blockOf = (name: string): number | undefined => {
      const m = /^[gd]\.(?:block|rgb)(\d+)\./.exec(name);
      return m ? Number(m[1]) : undefined;
    };
    const reads = (name: string): boolean => {
      const k = blockOf(name);
      if (k === undefined) return true; // base and final
      if (name.includes(".rgb")) return k === stage || (fading && k === stage - 1);
      return k <= stage;
    };
    const unused = (p: Params) =>
      Object.keys(p)
        .filter((n) => !reads(n))
        .map((n) => p[n]);

    return {
      zDim,
      numClasses: 0,
      shape,
      initG,
      initD,
      generate(g, z) {
        const n = z.shape[0];
        const hs: tf.Tensor4D[] = [];
        let h = tf.reshape(eqDense(pixelNorm(z), g, "g.base.fc"), [n, r0[0], r0[1], ch[0]]) as tf.Tensor4D;
        h = gConv(pixelNorm(lrelu(h)), g, "g.base.conv");
        hs.push(h);
        for (let k = 1; k <= stage; k++) {
          h = gConv(gConv(up2x(h), g, `g.block${k}.conv1`), g, `g.block${k}.conv2`);
          hs.push(h);
        }
        let o = toRgb(h, g, stage);
        if (fading) o = fadeIn(up2x(toRgb(hs[stage - 1], g, stage - 1)), o, alpha);
        return withZeroGradients(rescale(tf.tanh(o), S - 1 - stage), unused(g));
      },
      discriminate(d, x) {
        const xs = rescale(x, -(S - 1 - stage));
        let h = fromRgb(xs, d, stage);
        if (stage > 0) {
          h = pool2x(dConv(dConv(h, d, `d.block${stage}.conv1`), d, `d.block${stage}.conv2`));
          if (fading) h = fadeIn(fromRgb(pool2x(xs), d, stage - 1), h, alpha);
        }
        for (let k = stage - 1; k >= 1; k--) h = pool2x(dConv(dConv(h, d, `d.block${k}.conv1`), d, `d.block${k}.conv2`));
        h = dConv(minibatchStddev(h), d, "d.final.conv");
        const logit = eqDense(tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D, d, "d.final.fc", 1);
        return withZeroGradients(tf.reshape(logit, [-1]) as tf.Tensor1D, unused(d));
      },
      orthoRegNames: () => [],
    };
  }

  return { spec, stages: S, resolutions, channels: ch, initG, initD, atGrowth };
}
