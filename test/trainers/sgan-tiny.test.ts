// A tiny SGAN run on MNIST with 100 labels, from the building blocks alone (semi-split, the
// semi-supervised losses, the SGAN model, named Adam): D takes one step on L_sup + w·L_unsup over
// a labelled, an unlabelled and a generated batch, G one feature-matching step (Salimans et al.
// 2016's loop, improved-gan's train_mnist_feature_matching.py). D's validation accuracy starts at
// chance (~10%) and must rise well clear of it, with the tensor count flat across steps.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist.ts";
import { gatherBatch } from "../../src/data/image-data.ts";
import { selectImages, semiSplit } from "../../src/data/semi-split.ts";
import { featureMatchingLoss, sganDLoss } from "../../src/losses/semi-losses.ts";
import { ParamInit } from "../../src/models/image/params.ts";
import { classifierAccuracy, sgan, SGAN_D_DEFAULTS } from "../../src/models/image/sgan.ts";
import type { AdamHyper } from "../../src/trainers/adam.ts";
import { gradsOf } from "../../src/trainers/named-grads.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamInit, namedAdamStep, type NamedAdam } from "../../src/trainers/named-adam.ts";
import { Rng } from "../../src/util/rng.ts";
import { scoped } from "../../src/util/scoped.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const STEPS = 300;
// Batches: a labelled one drawn from the 100 labelled images, an unlabelled one, a generated one.
const BATCH = 32;
// Salimans et al.'s β1 = 0.5; their lr 3e-3 is for weight-normalised layers, these are plain.
const ADAM: AdamHyper = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
// Their code's ½ on both unsupervised terms.
const UNLABELLED_WEIGHT = 0.5;

describe("a tiny SGAN run on MNIST with 100 labels", () => {
  it(`D's validation accuracy rises from chance to over 50% in ${STEPS} steps; the tensor count stays flat`, async () => {
    const train = loadMnist("train");
    const split = semiSplit(train, { labelled: 100, validation: 1000, seed: 1 });
    const labelled = selectImages(train, split.labelled, "mnist/labelled");
    const validation = selectImages(train, split.validation, "mnist/validation");
    const shape = { height: 28, width: 28, channels: 1 };
    const model = sgan({ zDim: 32, width: 16, shape, classes: 10, ...SGAN_D_DEFAULTS });
    const gInit = new ParamInit(new Rng(1));
    model.initG(gInit);
    const dInit = new ParamInit(new Rng(2));
    model.initD(dInit);
    let G: NamedAdam = namedAdamInit(gInit.tensors());
    let D: NamedAdam = namedAdamInit(dInit.tensors());
    const noise = new Rng(3);
    const draws = new Rng(4);

    const images = (data: typeof train, indices: Int32Array) => tf.tensor4d(gatherBatch(data, indices).images, [indices.length, 28, 28, 1]);
    const pick = (n: number, from: ArrayLike<number>) => Int32Array.from({ length: n }, () => from[draws.int(from.length)]);
    const z = () => tf.tensor2d(draws.normalArray(BATCH * 32), [BATCH, 32]);

    const acc0 = await classifierAccuracy(model, D.p, validation);
    let tensorsAfterFirst = 0;
    let last = { sup: NaN, unsup: NaN, fm: NaN };
    for (let step = 0; step < STEPS; step++) {
      const labIdx = Int32Array.from({ length: BATCH }, () => draws.int(labelled.count));
      const next = scoped(() => {
        // D: L_sup on the labelled batch + w·L_unsup on unlabelled vs generated, in one forward.
        const xl = images(labelled, labIdx);
        const yl = tf.tensor1d(gatherBatch(labelled, labIdx).labels, "int32");
        const xu = images(train, pick(BATCH, split.unlabelled));
        const fake = model.generate(G.p, z(), undefined);
        const x = tf.concat([xl, xu, fake]) as tf.Tensor4D;
        // L_sup, L_unsup and G's feature-matching loss, kept past the gradient tapes to be read.
        const kept: tf.Scalar[] = [];
        const dGrads = gradsOf(D.p, (dp) => {
          const l = model.classify(dp, x, noise).logits;
          const parts = sganDLoss({ labelledLogits: tf.slice(l, [0, 0], [BATCH, -1]), labels: yl, realLogits: tf.slice(l, [BATCH, 0], [BATCH, -1]), fakeLogits: tf.slice(l, [2 * BATCH, 0], [BATCH, -1]) }, UNLABELLED_WEIGHT);
          kept.push(tf.keep(parts.supervised), tf.keep(parts.unsupervised));
          return parts.loss;
        });
        const d = keepNamedAdam(namedAdamStep(D, dGrads, ADAM));
        // G: feature matching against a fresh unlabelled batch, through the updated D.
        const realF = model.classify(d.p, images(train, pick(BATCH, split.unlabelled)), noise).features;
        const zg = z();
        const gGrads = gradsOf(G.p, (gp) => {
          const loss = featureMatchingLoss(realF, model.classify(d.p, model.generate(gp, zg, undefined), noise).features);
          kept.push(tf.keep(loss));
          return loss;
        });
        const g = keepNamedAdam(namedAdamStep(G, gGrads, ADAM));
        const losses = kept.map((t) => t.dataSync()[0]);
        tf.dispose(kept);
        return { d, g, losses };
      });
      disposeNamedAdam(D);
      disposeNamedAdam(G);
      D = next.d;
      G = next.g;
      last = { sup: next.losses[0], unsup: next.losses[1], fm: next.losses[2] };
      expect(Object.values(last).every(Number.isFinite)).toBe(true);
      if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
    }
    const acc = await classifierAccuracy(model, D.p, validation);
    console.log(`sgan tiny: validation accuracy ${(100 * acc0).toFixed(1)}% → ${(100 * acc).toFixed(1)}% after ${STEPS} steps; last L_sup ${last.sup.toFixed(3)}, L_unsup ${last.unsup.toFixed(3)}, FM ${last.fm.toFixed(4)}`);
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(acc0).toBeLessThan(0.25);
    expect(acc).toBeGreaterThan(0.5);
    disposeNamedAdam(D);
    disposeNamedAdam(G);
  });
});
