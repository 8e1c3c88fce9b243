// BigBiGAN (Donahue & Simonyan 2019) at MNIST scale: BigGAN's generator, a stochastic encoder
// E and a joint discriminator of three parts.
//   E: x → D-style residual blocks (C → ch, down; ch → 2ch, down) → ReLU → flatten → linear →
//      ReLU → linear → (μ, σ̂); z = μ + ε·softplus(σ̂) (deterministic: z = μ).
//   F: x → the same kind of blocks → ReLU → sum over space → h_x;  s_x = linear(h_x)
//   H: z → linear → ReLU → linear → ReLU → h_z;                   s_z = linear(h_z)
//   J: [h_x, h_z] → linear → ReLU → linear → ReLU → s_xz = linear
// Spectral norm on D's convs and linears, as in BigGAN; not on E (the paper's E is a RevNet
// without it, and a 1-Lipschitz E could barely spread its codes: with SN on E, μ varied by
// ~0.03–0.05 across MNIST images after 300–1000 iterations, against the prior's 1).
// Orthogonal init everywhere.
import * as tf from "@tensorflow/tfjs";
import type { BiScores } from "../../losses/bigbigan-losses.ts";
import { biggan, type BigganSpec } from "./biggan.ts";
import type { ImageGanModel, ImageShape } from "./image-model.ts";
import { add, avgPool2x, conv, initConv, initDense, linear, relu, sumSpatial } from "./layers.ts";
import type { ParamInit, Params, Updates } from "./params.ts";

export interface BigbiganSpec extends Omit<BigganSpec, "numClasses" | "sharedEmbedding" | "embedDim"> {
  /** Width of H's and J's hidden layers and of E's hidden linear layer. */
  readonly hidden: number;
}

export interface BigbiganModel {
  readonly zDim: number;
  readonly shape: ImageShape;
  /** The generator (BigGAN's, unconditional); its `discriminate` is not used. */
  readonly gen: ImageGanModel;
  initE(init: ParamInit): void;
  /** z = μ + ε·softplus(σ̂); with `eps` undefined the encoder is deterministic (z = μ). */
  encode(e: Params, x: tf.Tensor4D, eps: tf.Tensor2D | undefined, updates?: Updates): tf.Tensor2D;
  initD(init: ParamInit): void;
  scores(d: Params, x: tf.Tensor4D, z: tf.Tensor2D, updates?: Updates): BiScores;
}

export function bigbigan(spec: BigbiganSpec): BigbiganModel {
  const { zDim, width: ch, shape, hidden, spectralNorm: sn } = spec;
  const gen = biggan({ ...spec, numClasses: 0, sharedEmbedding: false, embedDim: 0 });
  const opts = { sn, bias: true };
  const eOpts = { sn: false, bias: true };
  const blocks = [
    [shape.channels, ch],
    [ch, 2 * ch],
  ] as const;
  const flat = (shape.height / 4) * (shape.width / 4) * 2 * ch;

  const initBlocks = (init: ParamInit, prefix: string, o: typeof opts) =>
    blocks.forEach(([cin, cout], b) => {
      initConv(init, `${prefix}.block${b}.conv1`, 3, 3, cin, cout, o);
      initConv(init, `${prefix}.block${b}.conv2`, 3, 3, cout, cout, o);
      initConv(init, `${prefix}.block${b}.skip`, 1, 1, cin, cout, o);
    });
  // The blocks' output before the final ReLU (callers apply it, fused where they can).
  const runBlocks = (p: Params, prefix: string, x: tf.Tensor4D, updates?: Updates): tf.Tensor4D => {
    let h = x;
    blocks.forEach((_, b) => {
      const name = `${prefix}.block${b}`;
      const r = conv(relu(conv(b === 0 ? h : relu(h), p, `${name}.conv1`, updates)), p, `${name}.conv2`, updates);
      // pool(r) + pool(skip) = pool(r + skip): average pooling is linear.
      h = avgPool2x(add(r, conv(h, p, `${name}.skip`, updates)));
    });
    return h;
  };
  const mlp = (p: Params, prefix: string, x: tf.Tensor2D, updates?: Updates) =>
    relu(linear(relu(linear(x, p, `${prefix}.fc1`, updates)), p, `${prefix}.fc2`, updates));
  const score = (p: Params, name: string, h: tf.Tensor2D, updates?: Updates) => tf.reshape(linear(h, p, name, updates), [-1]) as tf.Tensor1D;

  return {
    zDim,
    shape,
    gen,
    initE(init) {
      initBlocks(init, "e", eOpts);
      initDense(init, "e.fc1", flat, hidden, eOpts);
      initDense(init, "e.fc2", hidden, 2 * zDim, eOpts);
    },
    encode(e, x, eps, updates) {
      const n = x.shape[0];
      const h = tf.reshape(relu(runBlocks(e, "e", x, updates)), [n, flat]) as tf.Tensor2D;
      const out = linear(relu(linear(h, e, "e.fc1", updates)), e, "e.fc2", updates);
      const [mu, sigmaHat] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return eps ? (tf.add(mu, tf.mul(eps, tf.softplus(sigmaHat))) as tf.Tensor2D) : mu;
    },
    initD(init) {
      initBlocks(init, "d.f", opts);
      initDense(init, "d.f.score", 2 * ch, 1, opts);
      initDense(init, "d.h.fc1", zDim, hidden, opts);
      initDense(init, "d.h.fc2", hidden, hidden, opts);
      initDense(init, "d.h.score", hidden, 1, opts);
      initDense(init, "d.j.fc1", 2 * ch + hidden, hidden, opts);
      initDense(init, "d.j.fc2", hidden, hidden, opts);
      initDense(init, "d.j.score", hidden, 1, opts);
    },
    scores(d, x, z, updates) {
      const hx = sumSpatial(runBlocks(d, "d.f", x, updates), { relu: true });
      const hz = mlp(d, "d.h", z, updates);
      const hxz = mlp(d, "d.j", tf.concat([hx, hz], 1) as tf.Tensor2D, updates);
      return { sx: score(d, "d.f.score", hx, updates), sz: score(d, "d.h.score", hz, updates), sxz: score(d, "d.j.score", hxz, updates) };
    },
  };
}
