// CycleGAN (Zhu et al. 2017) as an E-GAN member: two generators G: A → B and F: B → A, two
// PatchGAN discriminators D_A and D_B (src/models/image/cyclegan.ts), the losses of
// src/losses/cycle-losses.ts. G and F are one named-parameter record ("g.*", "f.*") with one
// Adam state, D_A and D_B another ("da.*", "db.*"), as the authors' code has one optimizer per side.
// One iteration, on an unpaired batch a of domain A and b of domain B:
//   1. every mutation m makes a child: one Adam step of G and F together, from the parents'
//      weights and Adam state, on
//        ℓ_m(D_B(G(a))) + ℓ_m(D_A(F(b))) + λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁) + λ·r·(‖G(b) − b‖₁ + ‖F(a) − a‖₁)
//      (ℓ_m the mutation's adversarial term, r the identity ratio); all children see the same batch;
//   2. with more than one mutation, every child is scored on an evaluation batch (a', b'):
//        Fq = ½(E D_B(G(a')) + E D_A(F(b'))), D's outputs on the scale its loss pushes to 1 for
//             real images (cycle-losses `realness`: raw for the paper's least-squares D, σ for a
//             cross-entropy D), averaged over patches: E-GAN's "how real D finds the samples";
//        Fd = −log ‖∇_θD L_D‖, L_D = D_A's and D_B's loss on (a', b') and the child's translations;
//      F = Fq + γ·Fd and the best child survives (μ = 1: E-GAN's setting, and one D pair);
//   3. D_A and D_B take one Adam step:
//      - plain run (one mutation): on (a, b) against the translations G(a), F(b) that step 1's
//        forward pass made (by the generators before their step, as in the authors' code, which
//        detaches fake_B computed before optimize G): no extra generator pass. Fq is read from
//        this step's outputs before D moves; Fd is not computed (NaN) and F = Fq;
//      - E-GAN: on the evaluation batch against the survivor's translations, whose gradient
//        step 2 already computed for Fd: the step costs no extra pass.
// The paper's pool of 50 past translations for D is left out: it is state to checkpoint, and
// E-GAN's children would each need their own.
// One device read per iteration: the children's scores and losses, with the previous
// iteration's D loss (src/trainers/lagged-record.ts).
import * as tf from "@tensorflow/tfjs";
import { needsRealScores, survivorsOf, type Mutation, type Selection } from "../../strategies/egan.ts";
import type { ImageData } from "../data/image-dataset.ts";
import { adversarialLoss, cycleLoss, identityLoss, patchDLoss, patchDLossFake, patchDLossReal, realness, type CycleDLoss } from "../losses/cycle-losses.ts";
import type { Translators } from "../metrics/translation-metrics.ts";
import type { CycleganModel } from "../models/image/cyclegan.ts";
import { disposeParams, filledLike, ParamInit, type Params } from "../models/image/params.ts";
import { Rng } from "../util/rng.ts";
import { scoped } from "../util/scoped.ts";
import type { AdamHyper } from "./adam.ts";
import { checkImageShape, ImageDraws, type ImageDrawsState } from "./image-draws.ts";
import { childRecords, LaggedRecord } from "./lagged-record.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamFromData, namedAdamInit, namedAdamStep, namedAdamToData, type NamedAdam, type NamedAdamData } from "./named-adam.ts";
import { valueAndGradsOf } from "./named-grads.ts";
import { plainChild, nanIfAnyNaN } from "./plain-fitness.ts";
import { TrainingDiverged, type Trainer, type TrainerRecord } from "./trainer.ts";

export { CYCLEGAN_TRAINER_DEFAULTS } from "../models/image/cyclegan-defaults.ts";

export interface CycleganOptions {
  readonly model: CycleganModel;
  /** Domain A's training images (NHWC in [−1, 1]). */
  readonly a: ImageData;
  /** Domain B's training images. */
  readonly b: ImageData;
  readonly seed: number;
  /** Each makes one child per iteration (its adversarial term); one mutation is a plain run. */
  readonly mutations: readonly Mutation[];
  /** How the survivor is chosen (strategies/egan survivorsOf); "sum" when left out. */
  readonly selection?: Selection;
  /** F = Fq + γ·Fd. */
  readonly gamma: number;
  readonly batchSize: number;
  /** Batch the children are scored on, and D's batch in an E-GAN run. */
  readonly evalBatchSize: number;
  /** Adam of G and F. */
  readonly g: AdamHyper;
  /** Adam of D_A and D_B. */
  readonly d: AdamHyper;
  /** λ, the cycle loss's weight. */
  readonly lambda: number;
  /** r: the identity loss's weight is r·λ (the authors' lambda_identity); 0 turns it off. */
  readonly identity: number;
  readonly dLoss: CycleDLoss;
}

export interface CycleganState {
  readonly it: number;
  readonly draws: { readonly a: ImageDrawsState; readonly b: ImageDrawsState };
  /** G and F with their Adam state. */
  readonly generators: NamedAdamData;
  /** D_A and D_B with their Adam state. */
  readonly discriminators: NamedAdamData;
}

/** The survivor's generator losses as it was trained on them (weights applied). */
export interface CycleLosses {
  readonly adversarial: number;
  readonly cycle: number;
  readonly identity: number;
}

/** An iteration's record with the survivor's generator losses. */
export interface CycleganRecord extends TrainerRecord {
  readonly losses: CycleLosses;
}

const isCycleganRecord = (r: TrainerRecord): r is CycleganRecord => "losses" in r;

/** Translation directions: A → B runs G, B → A runs F. */
export type Direction = "AtoB" | "BtoA";

/** A child: G and F after one step, and its losses [adversarial, cycle, identity] (kept tensors). */
interface Child {
  readonly gen: NamedAdam;
  readonly parts: tf.Tensor1D;
  /** Plain runs only: the translations G(a), F(b) from the step's forward pass. */
  readonly fakes?: { readonly a: tf.Tensor4D; readonly b: tf.Tensor4D };
}

// Stream ids of the two domains' batch streams, derived from the member's seed.
const STREAM_A = 0xa;
const STREAM_B = 0xb;
const streamSeed = (seed: number, stream: number) => new Rng(seed, stream).nextU32();

export class CycleganTrainer implements Trainer<CycleganState> {
  private gen: NamedAdam;
  private disc: NamedAdam;
  private readonly drawsA: ImageDraws;
  private readonly drawsB: ImageDraws;
  private it = 0;
  private readonly lag = new LaggedRecord();

  constructor(readonly o: CycleganOptions, state?: CycleganState) {
    const { model } = o;
    checkImageShape(model.spec.shape, o.a);
    checkImageShape(model.spec.shape, o.b);
    if (o.mutations.length === 0) throw new Error("cyclegan: at least one mutation is needed");
    const draws = (data: ImageData, stream: number, s?: ImageDrawsState) => new ImageDraws(data, 0, 0, o.batchSize, streamSeed(o.seed, stream), s);
    this.drawsA = draws(o.a, STREAM_A, state?.draws.a);
    this.drawsB = draws(o.b, STREAM_B, state?.draws.b);
    if (state) {
      this.it = state.it;
      this.gen = namedAdamFromData(state.generators);
      this.disc = namedAdamFromData(state.discriminators);
    } else {
      const gInit = new ParamInit(new Rng(o.seed, 0));
      model.initGenerator(gInit, "g");
      model.initGenerator(gInit, "f");
      const dInit = new ParamInit(new Rng(o.seed, 1));
      model.initDiscriminator(dInit, "da");
      model.initDiscriminator(dInit, "db");
      this.gen = namedAdamInit(gInit.tensors());
      this.disc = namedAdamInit(dInit.tensors());
    }
  }

  get iteration(): number {
    return this.it;
  }

  get plain(): boolean {
    return this.o.mutations.length === 1;
  }

  async step(): Promise<CycleganRecord | undefined> {
    const B = this.o.batchSize;
    const a = this.drawsA.real(B).x;
    const b = this.drawsB.real(B).x;
    // D's outputs for real images of each target domain, for the rsgan mutation (only then).
    const real = needsRealScores(this.o.mutations)
      ? tf.tidy(() => ({ a: this.o.model.discriminate(this.disc.p, "da", a), b: this.o.model.discriminate(this.disc.p, "db", b) }))
      : undefined;
    const children = this.o.mutations.map((m) => this.makeChild(m, a, b, real));
    tf.dispose(real ? [real.a, real.b] : []);
    try {
      return narrow(await (this.plain ? this.finishPlain(children[0], a, b) : this.finishEgan(children)));
    } finally {
      tf.dispose([a, b]);
    }
  }

  /** 1. One Adam step of G and F on mutation m's adversarial term + the cycle and identity losses. */
  private makeChild(m: Mutation, a: tf.Tensor4D, b: tf.Tensor4D, real: { a: tf.Tensor; b: tf.Tensor } | undefined): Child {
    const { model, lambda, identity, dLoss: kind } = this.o;
    const D = this.disc.p;
    return scoped(() => {
      let parts: tf.Tensor1D | undefined;
      let fakes: Child["fakes"];
      const { grads } = valueAndGradsOf(this.gen.p, (w) => {
        const fakeB = model.translate(w, "g", a);
        const fakeA = model.translate(w, "f", b);
        const adv = tf.add(adversarialLoss(m, kind, model.discriminate(D, "db", fakeB), real?.b), adversarialLoss(m, kind, model.discriminate(D, "da", fakeA), real?.a));
        const cyc = cycleLoss(lambda, a, model.translate(w, "f", fakeB), b, model.translate(w, "g", fakeA));
        const idt = identity > 0 ? identityLoss(identity * lambda, b, model.translate(w, "g", b), a, model.translate(w, "f", a)) : tf.scalar(0);
        parts = tf.keep(tf.stack([adv, cyc, idt]) as tf.Tensor1D);
        if (this.plain) fakes = { a: tf.keep(fakeA), b: tf.keep(fakeB) };
        return tf.addN([adv, cyc, idt]) as tf.Scalar;
      });
      return { gen: keepNamedAdam(namedAdamStep(this.gen, grads, this.o.g)), parts: parts!, fakes };
    });
  }

  /** 3., plain: D_A and D_B step on (a, b) against step 1's translations; Fq from their outputs before the step. */
  private async finishPlain(child: Child, a: tf.Tensor4D, b: tf.Tensor4D): Promise<TrainerRecord | undefined> {
    const { model, dLoss: kind } = this.o;
    const fakes = child.fakes!;
    const next = scoped(() => {
      let fq: tf.Scalar | undefined;
      const { value, grads } = valueAndGradsOf(this.disc.p, (w) => {
        const outB = model.discriminate(w, "db", fakes.b);
        const outA = model.discriminate(w, "da", fakes.a);
        fq = tf.keep(nanIfAnyNaN(nanIfAnyNaN(meanRealness(kind, outA, outB), fakes.a), fakes.b));
        return tf.add(patchDLoss(kind, model.discriminate(w, "db", b), outB), patchDLoss(kind, model.discriminate(w, "da", a), outA)) as tf.Scalar;
      });
      return { disc: keepNamedAdam(namedAdamStep(this.disc, grads, this.o.d)), loss: tf.keep(value), read: tf.keep(tf.concat([tf.reshape(fq!, [1]), child.parts]) as tf.Tensor1D), fq: fq! };
    });
    tf.dispose([fakes.a, fakes.b, child.parts, next.fq]);
    const values = await this.lag.read(next.read);
    next.read.dispose();
    this.it++;
    const Fq = values[0];
    if (Number.isNaN(Fq)) {
      disposeNamedAdam(child.gen);
      disposeNamedAdam(next.disc);
      next.loss.dispose();
      throw new TrainingDiverged(this.it);
    }
    this.adopt(child.gen, next.disc);
    const record: CycleganRecord = { it: this.it, children: [plainChild(this.o.mutations[0], Fq)], survivors: [0], dLoss: NaN, losses: lossesAt(values, 1) };
    this.lag.hold(record, next.loss);
    return this.lag.take();
  }

  /** 2.–3., E-GAN: fitness on the evaluation batch, the best child, D's step with the survivor's gradient. */
  private async finishEgan(children: Child[]): Promise<TrainerRecord | undefined> {
    const { model, mutations, dLoss: kind, evalBatchSize: E } = this.o;
    const D = this.disc.p;
    const aE = this.drawsA.real(E).x;
    const bE = this.drawsB.real(E).x;
    // ∇_θD L_D = ∇(real terms) + ∇(translated terms): the real terms are the same for every
    // child, so they are computed once.
    const realPart = scoped(() => {
      const { value, grads } = valueAndGradsOf(D, (w) => tf.add(patchDLossReal(kind, model.discriminate(w, "da", aE)), patchDLossReal(kind, model.discriminate(w, "db", bE))) as tf.Scalar);
      return { loss: tf.keep(value), grads: grads.map((g) => tf.keep(g)) };
    });
    const scored = children.map((c) =>
      scoped(() => {
        const fakeB = model.translate(c.gen.p, "g", aE);
        const fakeA = model.translate(c.gen.p, "f", bE);
        let fq: tf.Scalar | undefined;
        const { value, grads } = valueAndGradsOf(D, (w) => {
          const outB = model.discriminate(w, "db", fakeB);
          const outA = model.discriminate(w, "da", fakeA);
          fq = tf.keep(nanIfAnyNaN(nanIfAnyNaN(meanRealness(kind, outA, outB), fakeA), fakeB));
          return tf.add(patchDLossFake(kind, outA), patchDLossFake(kind, outB)) as tf.Scalar;
        });
        const total = grads.map((g, i) => tf.keep(tf.add(g, realPart.grads[i])));
        const sq = tf.keep(tf.addN(total.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
        return { fq: fq!, sq, grads: total, loss: tf.keep(tf.add(value, realPart.loss) as tf.Scalar) };
      }),
    );
    tf.dispose([aE, bE, realPart.loss, ...realPart.grads]);
    const read = tf.tidy(() => tf.concat([tf.stack([...scored.map((s) => s.fq), ...scored.map((s) => s.sq)]), ...children.map((c) => c.parts)]) as tf.Tensor1D);
    const values = await this.lag.read(read);
    tf.dispose([read, ...scored.map((s) => s.fq), ...scored.map((s) => s.sq), ...children.map((c) => c.parts)]);
    const C = children.length;
    const records = childRecords(values, [mutations], this.o.gamma);
    const survivors = survivorsOf(records, 1, this.o.selection);
    this.it++;
    const dropScored = (keep: number) => scored.forEach((s, i) => i === keep || tf.dispose([...s.grads, s.loss]));
    if (survivors.length === 0) {
      dropScored(-1);
      children.forEach((c) => disposeNamedAdam(c.gen));
      throw new TrainingDiverged(this.it);
    }
    const best = survivors[0];
    dropScored(best);
    const disc = scoped(() => keepNamedAdam(namedAdamStep(this.disc, scored[best].grads, this.o.d)));
    tf.dispose(scored[best].grads);
    children.forEach((c, i) => i === best || disposeNamedAdam(c.gen));
    this.adopt(children[best].gen, disc);
    const record: CycleganRecord = { it: this.it, children: records, survivors, dLoss: NaN, losses: lossesAt(values, 2 * C + 3 * best) };
    this.lag.hold(record, scored[best].loss);
    return this.lag.take();
  }

  private adopt(gen: NamedAdam, disc: NamedAdam): void {
    disposeNamedAdam(this.gen);
    disposeNamedAdam(this.disc);
    this.gen = gen;
    this.disc = disc;
  }

  async flush(): Promise<CycleganRecord | undefined> {
    return narrow(await this.lag.flush());
  }

  /**
   * G's (A → B) or F's (B → A) translations of `count` NHWC images in [−1, 1], in batches. Instance
   * norm makes each image's translation independent of its batch mates.
   */
  async translate(images: Float32Array, count: number, direction: Direction, batchSize = 64): Promise<Float32Array> {
    const { height, width, channels } = this.o.model.spec.shape;
    const per = height * width * channels;
    if (images.length !== count * per) throw new Error(`translate: ${count} images of ${height}×${width}×${channels} need ${count * per} values, got ${images.length}`);
    const prefix = direction === "AtoB" ? "g" : "f";
    const out = new Float32Array(images.length);
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const y = tf.tidy(() => this.o.model.translate(this.gen.p, prefix, tf.tensor4d(images.subarray(start * per, (start + n) * per), [n, height, width, channels])));
      out.set((await y.data()) as Float32Array, start * per);
      y.dispose();
    }
    return out;
  }

  /** G and F as the translation metrics take them (src/metrics/translation-metrics.ts). */
  translators(batchSize = 64): Translators {
    return { aToB: (x, n) => this.translate(x, n, "AtoB", batchSize), bToA: (x, n) => this.translate(x, n, "BtoA", batchSize) };
  }

  /** The generators' weights (read-only; for tests and export). */
  get generators(): Params {
    return this.gen.p;
  }

  corruptGenerators(): void {
    const p = filledLike(this.gen.p, NaN);
    disposeParams(this.gen.p);
    this.gen = { ...this.gen, p };
  }

  async exportState(): Promise<CycleganState> {
    if (!this.lag.empty) throw new Error("exportState before flush: the last record is incomplete");
    const [generators, discriminators] = await Promise.all([namedAdamToData(this.gen), namedAdamToData(this.disc)]);
    return { it: this.it, draws: { a: this.drawsA.state(), b: this.drawsB.state() }, generators, discriminators };
  }

  dispose(): void {
    disposeNamedAdam(this.gen);
    disposeNamedAdam(this.disc);
    this.lag.dispose();
  }
}

/** Fq = ½(E realness(D_A(F(b))) + E realness(D_B(G(a)))). */
function meanRealness(kind: CycleDLoss, outA: tf.Tensor, outB: tf.Tensor): tf.Scalar {
  return tf.mul(tf.add(tf.mean(realness(kind, outA)), tf.mean(realness(kind, outB))), 0.5) as tf.Scalar;
}

function lossesAt(values: ArrayLike<number>, at: number): CycleLosses {
  return { adversarial: values[at], cycle: values[at + 1], identity: values[at + 2] };
}

function narrow(r: TrainerRecord | undefined): CycleganRecord | undefined {
  if (r !== undefined && !isCycleganRecord(r)) throw new Error("cyclegan: a record without its losses");
  return r;
}
