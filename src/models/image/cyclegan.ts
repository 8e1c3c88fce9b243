// CycleGAN's networks (Zhu et al. 2017, appendix 7.2 and the authors' ResnetGenerator and
// NLayerDiscriminator), sized for 28×28 images on a CPU. With w the generator width and IN
// instance normalization:
//   G: conv 7×7 → w, IN, ReLU                       28×28
//      conv 3×3 /2 → 2w, IN, ReLU                   14×14
//      conv 3×3 /2 → 4w, IN, ReLU                   7×7
//      R residual blocks: x + IN(conv 3×3(ReLU(IN(conv 3×3(x)))))
//      ×2 nearest, conv 3×3 → 2w, IN, ReLU          14×14
//      ×2 nearest, conv 3×3 → w, IN, ReLU           28×28
//      conv 7×7 → C, tanh
//   D (PatchGAN), with v the discriminator width:
//      conv 4×4 /2 → v, LReLU(0.2)                  14×14
//      conv 4×4 /2 → 2v, IN, LReLU(0.2)             7×7
//      conv 4×4 → 1                                  7×7 map: one output per 22×22-pixel patch
// Departures from the paper, each for this image size or this machine:
// - upsampling is nearest ×2 then a 3×3 conv, not a stride-2 transposed conv: no checkerboard
//   pattern, and wasm's transposed conv is its slowest kernel (NODE-TFJS-NOTES.md);
// - padding is 'same' zeros, not reflection: MNIST-like borders are flat background anyway, and
//   a separate pad op would add a pass per conv;
// - D has two stride-2 convs, not three: a 28×28 image halved three times leaves 3×3, and
//   22-pixel patches already cover most of a digit (the paper's 70×70 patches cover about a
//   quarter of a 256×256 image's side).
// Normalization is instance norm, as in the paper, not batch norm: a translation G(a) must not
// depend on which other images share a's batch (evogan's batch norm has no running statistics,
// so evaluation would see batch statistics too), and IN is per-sample in D as well, so E-GAN's
// gradient-norm fitness sees each image on its own. Convs followed by IN carry no bias: IN
// subtracts each channel's mean, which cancels a bias exactly. Weights N(0, 0.02), the paper's init.
//
// Parameters are named under a prefix, so that G and F ("g", "f") and D_A and D_B ("da", "db")
// live in one Params record each side and step together: "g.c0.w", "g.res1.conv2.w", "db.c1.w".
import * as tf from "@tensorflow/tfjs";
import type { ImageShape } from "./image-model.ts";
import { add, conv, initConv, upsample2x } from "./layers.ts";
import type { ParamInit, Params } from "./params.ts";

export interface CycleganSpec {
  readonly shape: ImageShape;
  /** w: G's widths are w, 2w and 4w (the residual blocks run at 4w). */
  readonly gWidth: number;
  /** R, the number of residual blocks. */
  readonly blocks: number;
  /** v: D's widths are v and 2v. */
  readonly dWidth: number;
}

export { CYCLEGAN_MODEL_DEFAULTS } from "./cyclegan-defaults.ts";

const STD = 0.02;
const EPS = 1e-5;

/**
 * Instance normalization (Ulyanov et al. 2016) without affine, optionally followed by ReLU:
 * per image and channel, x̂ = (x − μ)·ρ with μ, σ² the mean and biased variance over H and W and
 * ρ = 1/√(σ² + ε); y = x̂ or max(x̂, 0). One tape node with the hand-derived gradient: with M = H·W,
 * dz = dy·[x̂ > 0] (with ReLU, else dy) and means over H and W,
 *   ∂/∂x = ρ·(dz − mean(dz) − x̂·mean(dz·x̂)).
 * Saved: x̂ and ρ.
 */
export function instanceNorm(x: tf.Tensor4D, opts: { relu?: boolean } = {}): tf.Tensor4D {
  const withRelu = opts.relu ?? false;
  const forward = (xs: tf.Tensor) => {
    const mean = tf.mean(xs, [1, 2], true);
    const d = tf.sub(xs, mean);
    const rho = tf.rsqrt(tf.add(tf.mean(tf.square(d), [1, 2], true), EPS));
    return { xhat: tf.mul(d, rho), rho };
  };
  if (!tf.engine().isTapeOn()) {
    return tf.tidy(() => {
      const { xhat } = forward(x);
      return (withRelu ? tf.relu(xhat) : xhat) as tf.Tensor4D;
    });
  }
  return tf.customGrad((...inputs) => {
    const save = inputs[1] as tf.GradSaveFunc;
    const { xhat, rho } = forward(inputs[0] as tf.Tensor);
    save([xhat, rho]);
    return {
      value: withRelu ? tf.relu(xhat) : xhat,
      gradFunc: (dy: tf.Tensor, [xh, r]: tf.Tensor[]) => {
        const dz = withRelu ? tf.mul(dy, tf.step(xh)) : dy;
        const centred = tf.sub(dz, tf.mean(dz, [1, 2], true));
        return tf.mul(tf.sub(centred, tf.mul(xh, tf.mean(tf.mul(dz, xh), [1, 2], true))), r);
      },
    };
  })(x) as tf.Tensor4D;
}

export interface CycleganModel {
  readonly spec: CycleganSpec;
  /** Side of D's output map: one output per patch, [N, H/4, W/4, 1]. */
  readonly patches: readonly [number, number];
  /** Declares a generator's weights under `prefix` ("g" or "f"). */
  initGenerator(init: ParamInit, prefix: string): void;
  /** Declares a discriminator's weights under `prefix` ("da" or "db"). */
  initDiscriminator(init: ParamInit, prefix: string): void;
  /** The generator at `prefix` applied to x: NHWC in [−1, 1] in, NHWC in [−1, 1] (tanh) out. */
  translate(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D;
  /** The discriminator at `prefix`: one raw output per patch, [N, H/4, W/4, 1]. */
  discriminate(p: Params, prefix: string, x: tf.Tensor4D): tf.Tensor4D;
}

export function cyclegan(spec: CycleganSpec): CycleganModel {
  const { shape, gWidth: w, blocks, dWidth: v } = spec;
  const { height, width, channels: C } = shape;
  if (height % 4 !== 0 || width % 4 !== 0) throw new Error(`cyclegan: image size ${height}×${width} is not a multiple of 4`);
  for (const [name, value] of [["gWidth", w], ["dWidth", v], ["blocks", blocks]] as const) {
    if (!Number.isInteger(value) || value < (name === "blocks" ? 0 : 1)) throw new Error(`cyclegan: ${name} must be a ${name === "blocks" ? "non-negative" : "positive"} integer, got ${value}`);
  }
  const normal = { init: "normal", std: STD } as const;
  const noBias = { ...normal, bias: false } as const;
  // conv (no bias) → IN → ReLU
  const block = (x: tf.Tensor4D, p: Params, name: string, stride = 1) => instanceNorm(conv(x, p, name, undefined, stride), { relu: true });
  return {
    spec,
    patches: [height / 4, width / 4],
    initGenerator(init, g) {
      initConv(init, `${g}.c0`, 7, 7, C, w, noBias);
      initConv(init, `${g}.down1`, 3, 3, w, 2 * w, noBias);
      initConv(init, `${g}.down2`, 3, 3, 2 * w, 4 * w, noBias);
      for (let r = 0; r < blocks; r++) {
        initConv(init, `${g}.res${r}.conv1`, 3, 3, 4 * w, 4 * w, noBias);
        initConv(init, `${g}.res${r}.conv2`, 3, 3, 4 * w, 4 * w, noBias);
      }
      initConv(init, `${g}.up1`, 3, 3, 4 * w, 2 * w, noBias);
      initConv(init, `${g}.up2`, 3, 3, 2 * w, w, noBias);
      initConv(init, `${g}.out`, 7, 7, w, C, normal);
    },
    initDiscriminator(init, d) {
      initConv(init, `${d}.c1`, 4, 4, C, v, normal);
      initConv(init, `${d}.c2`, 4, 4, v, 2 * v, noBias);
      initConv(init, `${d}.out`, 4, 4, 2 * v, 1, normal);
    },
    translate(p, g, x) {
      let h = block(x, p, `${g}.c0`);
      h = block(h, p, `${g}.down1`, 2);
      h = block(h, p, `${g}.down2`, 2);
      for (let r = 0; r < blocks; r++) {
        const inner = block(h, p, `${g}.res${r}.conv1`);
        h = add(h, instanceNorm(conv(inner, p, `${g}.res${r}.conv2`)));
      }
      h = block(upsample2x(h), p, `${g}.up1`);
      h = block(upsample2x(h), p, `${g}.up2`);
      return tf.tanh(conv(h, p, `${g}.out`));
    },
    discriminate(p, d, x) {
      let h = tf.leakyRelu(conv(x, p, `${d}.c1`, undefined, 2), 0.2) as tf.Tensor4D;
      h = tf.leakyRelu(instanceNorm(conv(h, p, `${d}.c2`, undefined, 2)), 0.2) as tf.Tensor4D;
      return conv(h, p, `${d}.out`);
    },
  };
}
