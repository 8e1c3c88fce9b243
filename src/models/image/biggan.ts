// BigGAN (Brock et al. 2019) at MNIST scale, after BigGAN-PyTorch's layout:
//   G: z (split into one chunk per block + 1 when skip-z is on) → linear → (H/4)×(W/4)×2ch →
//      block(2ch → ch, up) → [attention at H/2] → block(ch → ch, up) → [attention at H] → BN → ReLU → conv3 → tanh
//      block = CBN → ReLU → up×2 → conv3 → CBN → ReLU → conv3, plus skip conv1×1(up×2(x));
//      CBN's conditioning c = [shared class embedding (or one-hot class), z chunk] per block.
//   D: block(C → ch, down, no pre-activation) → [attention at H/2] → block(ch → 2ch, down) → [attention at H/4] →
//      block(2ch → 2ch) → ReLU → sum over space → projection head (linear + ⟨embed(y), h⟩)
//      block = [ReLU] → conv3 → ReLU → conv3 → [avg-pool 2], plus skip conv1×1 → [avg-pool 2].
// Every conv/linear is orthogonally initialised and spectrally normalised (one power iteration
// per forward, u persistent); the shared embedding is neither spectrally normalised nor
// orthogonally regularised, as in the paper.
// Computed in an equivalent order with fewer, smaller ops: G's skip as up×2(conv1×1(x)) (a 1×1
// conv commutes with nearest upsampling), D's block as avg-pool(residual + skip) (pooling is
// linear), and CBN → ReLU as one node (layers.ts batchNormAffine).
import * as tf from "@tensorflow/tfjs";
import { conditionalBatchNorm, embed, initConditionalBn } from "./conditional-bn.ts";
import type { ImageGanModel, ImageShape } from "./image-model.ts";
import { add, avgPool2x, batchNormAffine, conv, initConv, initDense, linear, relu, sumSpatial, upsample2x } from "./layers.ts";
import { orthogonalArray } from "./orthogonal.ts";
import type { ParamInit, Params, Updates } from "./params.ts";
import { initProjectionHead, projectionLogits } from "./projection-head.ts";
import { initSelfAttention, selfAttention } from "./self-attention.ts";
import { initSpectralU } from "./spectral-norm.ts";

export interface BigganSpec {
  readonly zDim: number;
  /** Channel width ch (G's blocks use 2ch and ch, D's ch and 2ch). */
  readonly width: number;
  readonly shape: ImageShape;
  /** 0: unconditional. */
  readonly numClasses: number;
  /** Self-attention in G and D wherever a block's output has this resolution (height). */
  readonly attention: boolean;
  readonly attentionResolution: number;
  /** Class embedding shared by every CBN layer (else a one-hot class per layer's own linear). */
  readonly sharedEmbedding: boolean;
  readonly embedDim: number;
  /** z split into chunks fed to every block's CBN (skip-z) rather than only the first layer. */
  readonly skipZ: boolean;
  readonly spectralNorm: boolean;
}

const G_BLOCKS = 2;

/** Sizes of the z chunks: [first layer, block 0, block 1]; the first takes any remainder. */
export function zChunks(zDim: number, skipZ: boolean): number[] {
  if (!skipZ) return [zDim, 0, 0];
  const each = Math.floor(zDim / (G_BLOCKS + 1));
  if (each < 1) throw new Error(`biggan: skip-z needs zDim ≥ ${G_BLOCKS + 1}, got ${zDim}`);
  return [zDim - G_BLOCKS * each, each, each];
}

export function biggan(spec: BigganSpec): ImageGanModel {
  const { zDim, width: ch, shape, numClasses, spectralNorm: sn } = spec;
  if (shape.height % 4 !== 0 || shape.width % 4 !== 0) throw new Error(`biggan: image size ${shape.height}×${shape.width} is not a multiple of 4`);
  const h0 = shape.height / 4;
  const w0 = shape.width / 4;
  const chunks = zChunks(zDim, spec.skipZ);
  const classDim = numClasses === 0 ? 0 : spec.sharedEmbedding ? spec.embedDim : numClasses;
  const cDim = classDim + chunks[1];
  const gIn = [2 * ch, ch];
  const gOut = [ch, ch];
  const dIn = [shape.channels, ch, 2 * ch];
  const dOut = [ch, 2 * ch, 2 * ch];
  const opts = { sn, bias: true };
  // The block after which attention runs: G's block b outputs h0·2^(b+1) rows, D's block b
  // (b < 2) outputs H/2^(b+1); -1 where no block has the chosen resolution.
  const r = spec.attentionResolution;
  const gAttn = spec.attention ? [0, 1].find((b) => h0 * 2 ** (b + 1) === r) ?? -1 : -1;
  const dAttn = spec.attention ? [0, 1].find((b) => shape.height / 2 ** (b + 1) === r) ?? -1 : -1;
  if (spec.attention && gAttn < 0 && dAttn < 0) throw new Error(`biggan: no block works at resolution ${r}; choose ${[h0 * 2, h0 * 4, shape.height / 4].join(", ")}`);

  // ReLU(BN(x)·γ + β), conditional (γ, β from c) when c is given; one tape node either way.
  const bnRelu = (x: tf.Tensor, c: tf.Tensor2D | undefined, p: Params, name: string, updates?: Updates) =>
    (c ? conditionalBatchNorm(x, c, p, name, updates, { relu: true }) : batchNormAffine(x, p[`${name}.gamma`], p[`${name}.beta`], { relu: true })) as tf.Tensor4D;

  return {
    zDim,
    numClasses,
    shape,
    initG(init: ParamInit) {
      if (numClasses > 0 && spec.sharedEmbedding) init.add("g.shared", [numClasses, spec.embedDim], orthogonalArray([numClasses, spec.embedDim], init.rng));
      initDense(init, "g.fc", chunks[0], h0 * w0 * gIn[0], opts);
      for (let b = 0; b < G_BLOCKS; b++) {
        const name = `g.block${b}`;
        for (const [bnName, channels] of [[`${name}.bn1`, gIn[b]], [`${name}.bn2`, gOut[b]]] as const) {
          if (cDim > 0) {
            initConditionalBn(init, bnName, cDim, channels);
            if (sn) {
              initSpectralU(init, `${bnName}.gain`, channels);
              initSpectralU(init, `${bnName}.bias`, channels);
            }
          } else {
            init.ones(`${bnName}.gamma`, [channels]);
            init.zeros(`${bnName}.beta`, [channels]);
          }
        }
        initConv(init, `${name}.conv1`, 3, 3, gIn[b], gOut[b], opts);
        initConv(init, `${name}.conv2`, 3, 3, gOut[b], gOut[b], opts);
        initConv(init, `${name}.skip`, 1, 1, gIn[b], gOut[b], opts);
        if (gAttn === b) initSelfAttention(init, "g.attn", gOut[b], { sn });
      }
      init.ones("g.out.bn.gamma", [gOut[G_BLOCKS - 1]]);
      init.zeros("g.out.bn.beta", [gOut[G_BLOCKS - 1]]);
      initConv(init, "g.out.conv", 3, 3, gOut[G_BLOCKS - 1], shape.channels, opts);
    },
    initD(init: ParamInit) {
      for (let b = 0; b < dIn.length; b++) {
        initConv(init, `d.block${b}.conv1`, 3, 3, dIn[b], dOut[b], opts);
        initConv(init, `d.block${b}.conv2`, 3, 3, dOut[b], dOut[b], opts);
        initConv(init, `d.block${b}.skip`, 1, 1, dIn[b], dOut[b], opts);
        if (dAttn === b) initSelfAttention(init, "d.attn", dOut[b], { sn });
      }
      initProjectionHead(init, "d.head", dOut[dOut.length - 1], numClasses, { sn });
    },
    generate(g, z, y, updates) {
      const n = z.shape[0];
      const zs = chunks[1] > 0 ? tf.split(z, chunks, 1) : [z];
      const cls = numClasses === 0 || !y ? undefined : spec.sharedEmbedding ? embed(g, "g.shared", y) : (tf.oneHot(tf.cast(y, "int32"), numClasses).toFloat() as tf.Tensor2D);
      if (numClasses > 0 && !y) throw new Error("biggan: a conditional generator needs class labels");
      let x = tf.reshape(linear(zs[0] as tf.Tensor2D, g, "g.fc", updates), [n, h0, w0, gIn[0]]) as tf.Tensor4D;
      for (let b = 0; b < G_BLOCKS; b++) {
        const parts = [cls, chunks[1] > 0 ? (zs[b + 1] as tf.Tensor2D) : undefined].filter((t): t is tf.Tensor2D => t !== undefined);
        const c = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
        const name = `g.block${b}`;
        let h = conv(upsample2x(bnRelu(x, c, g, `${name}.bn1`, updates)), g, `${name}.conv1`, updates);
        h = conv(bnRelu(h, c, g, `${name}.bn2`, updates), g, `${name}.conv2`, updates);
        // The 1×1 skip conv commutes with nearest upsampling (both act per pixel): run it on the
        // small x, then upsample (BigGAN-PyTorch upsamples first; the result is the same).
        x = add(h, upsample2x(conv(x, g, `${name}.skip`, updates)));
        if (gAttn === b) x = selfAttention(x, g, "g.attn", updates);
      }
      return tf.tanh(conv(bnRelu(x, undefined, g, "g.out.bn"), g, "g.out.conv", updates));
    },
    discriminate(d, x, y, updates) {
      let h: tf.Tensor4D = x;
      for (let b = 0; b < dIn.length; b++) {
        const name = `d.block${b}`;
        const down = b < 2;
        let r = conv(b === 0 ? h : relu(h), d, `${name}.conv1`, updates);
        r = conv(relu(r), d, `${name}.conv2`, updates);
        // Average pooling is linear: pool(r) + pool(s) = pool(r + s), one pooling instead of two.
        const sum = add(r, conv(h, d, `${name}.skip`, updates));
        h = down ? avgPool2x(sum) : sum;
        if (dAttn === b) h = selfAttention(h, d, "d.attn", updates);
      }
      const features = sumSpatial(h, { relu: true });
      if (numClasses > 0 && !y) throw new Error("biggan: a conditional discriminator needs class labels");
      return projectionLogits(features, d, "d.head", numClasses > 0 ? y : undefined, updates);
    },
    orthoRegNames: (g) => Object.keys(g).filter((n) => n !== "g.shared" && !n.endsWith(".u") && g[n].rank >= 2),
  };
}
