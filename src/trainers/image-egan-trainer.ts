// E-GAN on images (DCGAN, BigGAN): μ generators share one discriminator, as in the toy trainer
// (src/trainers/egan-trainer.ts), but over named parameters with tfjs autodiff.
// One iteration:
//   1. every parent makes one child per mutation: one Adam step of G on that generator loss
//      (plus β·orthogonal regularization when configured), from the parent's weights and Adam
//      state; G's spectral-norm vectors advance with the step;
//   2. every child is scored on the evaluation batch: Fq = mean σ(D(G(z))),
//      Fd = −log ‖∇_θD L_D(real, G(z))‖ with the member's D loss (cross-entropy or hinge);
//   3. the best μ children survive (strategies/egan), and D takes n_D steps on fresh real
//      batches against the survivors' samples (the first step reuses their evaluation samples);
//   4. the EMA copy of G (when configured) follows the best survivor.
// One device read per iteration: the children's scores, with the previous iteration's D loss.
import * as tf from "@tensorflow/tfjs";
import { needsRealScores, selectSurvivors, type Mutation } from "../../strategies/egan.ts";
import type { ImageData } from "../data/image-dataset.ts";
import { dLoss, generatorLoss, type DLossKind } from "../losses/gan-losses.ts";
import { generatorEma, type EmaOptions, type GeneratorEma } from "./generator-ema.ts";
export type { EmaOptions };
import type { ImageGanModel } from "../models/image/image-model.ts";
import { orthogonalRegularization } from "../models/image/orthogonal.ts";
import { disposeParams, filledLike, ParamInit, type ParamData, type Params, type Updates } from "../models/image/params.ts";
import { keepUpdates } from "../models/image/spectral-norm.ts";
import { Rng } from "../util/rng.ts";
import { scoped } from "../util/scoped.ts";
import type { AdamHyper } from "./adam.ts";
import { TrainingDiverged, type Trainer, type TrainerRecord } from "./trainer.ts";
import { sampleImages, type SampledImages, type SampleOptions } from "./image-sampling.ts";
import { childRecords, LaggedRecord } from "./lagged-record.ts";
import { checkImageShape, ImageDraws, type ImageDrawsState } from "./image-draws.ts";
import { gradsOf, valueAndGradsOf } from "./named-grads.ts";
import { disposeNamedAdam, keepNamedAdam, namedAdamFromData, namedAdamInit, namedAdamStep, namedAdamToData, type NamedAdam, type NamedAdamData } from "./named-adam.ts";

export interface ImageEganOptions {
  readonly model: ImageGanModel;
  readonly data: ImageData;
  readonly mutations: readonly Mutation[];
  readonly mu: number;
  readonly gamma: number;
  readonly nD: number;
  readonly dLoss: DLossKind;
  readonly batchSize: number;
  readonly evalBatchSize: number;
  readonly g: AdamHyper;
  readonly d: AdamHyper;
  /** β of the orthogonal regularization on G (0: off). */
  readonly orthoReg: number;
  readonly ema?: EmaOptions;
  readonly seed: number;
}

export interface ImageEganState {
  readonly it: number;
  readonly draws: ImageDrawsState;
  readonly parents: NamedAdamData[];
  readonly d: NamedAdamData;
  readonly ema?: ParamData;
}

export class ImageEganTrainer implements Trainer<ImageEganState> {
  private parents: NamedAdam[];
  private d: NamedAdam;
  private ema: GeneratorEma | undefined;
  private draws: ImageDraws;
  private it = 0;
  private readonly lag = new LaggedRecord();

  constructor(readonly o: ImageEganOptions, state?: ImageEganState) {
    checkImageShape(o.model.shape, o.data);
    if (state) {
      this.it = state.it;
      this.draws = new ImageDraws(o.data, o.model.zDim, o.model.numClasses, o.batchSize, o.seed, state.draws);
      this.parents = state.parents.map(namedAdamFromData);
      this.d = namedAdamFromData(state.d);
    } else {
      const init = new ParamInit(new Rng(o.seed, 0));
      o.model.initG(init);
      const g0 = init.tensors();
      const dInit = new ParamInit(new Rng(o.seed, 1));
      o.model.initD(dInit);
      this.parents = [namedAdamInit(g0)];
      this.d = namedAdamInit(dInit.tensors());
      this.draws = new ImageDraws(o.data, o.model.zDim, o.model.numClasses, o.batchSize, o.seed);
    }
    this.ema = generatorEma(o.ema, () => this.parents[0].p, state?.ema);
  }

  get iteration(): number {
    return this.it;
  }

  step(): TrainerRecord | undefined {
    const { model, mutations, batchSize: B, evalBatchSize: E, mu } = this.o;
    const D = this.d;
    const children: NamedAdam[] = [];
    // 1. children
    for (const parent of this.parents) {
      const z = this.draws.z(B);
      const y = this.draws.labels(B);
      // D's scores of a real batch, for the rsgan mutation (drawn only when it is in the set).
      const realScores = needsRealScores(mutations) ? this.realScores(D.p, B) : undefined;
      for (const mutation of mutations) {
        children.push(
          scoped(() => {
            const updates: Updates = new Map();
            const grads = gradsOf(parent.p, (g) => {
              const loss = generatorLoss(mutation, model.discriminate(D.p, model.generate(g, z, y, updates), y), realScores);
              keepUpdates(updates);
              if (this.o.orthoReg === 0) return loss;
              const names = model.orthoRegNames(g);
              return names.length === 0 ? loss : (tf.add(loss, orthogonalRegularization(names.map((n) => g[n]), this.o.orthoReg)) as tf.Scalar);
            });
            return keepNamedAdam(namedAdamStep(parent, grads, this.o.g, updates));
          }),
        );
      }
      tf.dispose([z, ...(y ? [y] : []), ...(realScores ? [realScores] : [])]);
    }
    // 2. fitness on the evaluation batch
    const real = this.draws.real(E);
    const zEval = this.draws.z(E);
    const yEval = this.draws.labels(E);
    const fakes = children.map((c) => tf.tidy(() => model.generate(c.p, zEval, yEval)));
    const parts: tf.Tensor[] = [];
    const sq: tf.Tensor[] = [];
    for (const x of fakes) {
      tf.tidy(() => {
        parts.push(tf.keep(tf.mean(tf.sigmoid(model.discriminate(D.p, x, yEval)))));
        const g = gradsOf(D.p, (d) => dLoss(this.o.dLoss, model.discriminate(d, real.x, real.y), model.discriminate(d, x, yEval)));
        sq.push(tf.keep(tf.addN(g.map((t) => tf.sum(tf.square(t))))));
      });
    }
    const read = tf.tidy(() => tf.stack([...parts, ...sq]) as tf.Tensor1D);
    const values = this.lag.read(read);
    tf.dispose([read, ...parts, ...sq]);
    const records = childRecords(values, children.length, mutations, this.o.gamma);
    const survivors = selectSurvivors(records.map((r) => r.F), mu);
    this.it++;
    if (survivors.length === 0) {
      tf.dispose([real.x, ...(real.y ? [real.y] : []), zEval, ...(yEval ? [yEval] : []), ...fakes]);
      children.forEach(disposeNamedAdam);
      throw new TrainingDiverged(this.it);
    }
    // 3. D steps against the survivors
    const q = Math.max(1, Math.floor(B / survivors.length));
    let d = D;
    let loss: tf.Scalar | undefined;
    for (let step = 0; step < this.o.nD; step++) {
      const r = this.draws.real(B);
      const fz = step === 0 ? undefined : this.draws.z(q * survivors.length);
      const fy = step === 0 ? undefined : this.draws.labels(q * survivors.length);
      const next = scoped(() => {
        const xs: tf.Tensor[] = [];
        const ys: tf.Tensor[] = [];
        survivors.forEach((s, i) => {
          if (step === 0) {
            xs.push(tf.slice(fakes[s], [0, 0, 0, 0], [Math.min(q, E), -1, -1, -1]));
            if (yEval) ys.push(tf.slice(yEval, [0], [Math.min(q, E)]));
          } else {
            xs.push(model.generate(children[s].p, tf.slice(fz!, [i * q, 0], [q, -1]), fy ? tf.slice(fy, [i * q], [q]) : undefined));
            if (fy) ys.push(tf.slice(fy, [i * q], [q]));
          }
        });
        const fake = tf.concat(xs) as tf.Tensor4D;
        const fakeY = ys.length > 0 ? (tf.concat(ys) as tf.Tensor1D) : undefined;
        const updates: Updates = new Map();
        const { value, grads } = valueAndGradsOf(d.p, (w) => {
          const l = dLoss(this.o.dLoss, model.discriminate(w, r.x, r.y, updates), model.discriminate(w, fake, fakeY));
          keepUpdates(updates);
          return l;
        });
        return { d: keepNamedAdam(namedAdamStep(d, grads, this.o.d, updates)), loss: tf.keep(value) };
      });
      tf.dispose([r.x, ...(r.y ? [r.y] : []), ...(fz ? [fz] : []), ...(fy ? [fy] : [])]);
      if (d !== D) disposeNamedAdam(d);
      loss?.dispose();
      d = next.d;
      loss = next.loss;
    }
    tf.dispose([real.x, ...(real.y ? [real.y] : []), zEval, ...(yEval ? [yEval] : []), ...fakes]);
    disposeNamedAdam(D);
    this.d = d;
    this.parents.forEach(disposeNamedAdam);
    this.parents = survivors.map((s) => children[s]);
    children.forEach((c, i) => survivors.includes(i) || disposeNamedAdam(c));
    // 4. EMA of the best survivor
    this.ema?.follow(this.parents[0].p, this.it);
    this.lag.hold({ it: this.it, children: records, survivors, dLoss: NaN }, loss!);
    return this.lag.take();
  }

  /** D's scores of n fresh real images (constants for G). */
  private realScores(d: Params, n: number): tf.Tensor {
    const r = this.draws.real(n);
    const scores = tf.tidy(() => this.o.model.discriminate(d, r.x, r.y));
    tf.dispose([r.x, ...(r.y ? [r.y] : [])]);
    return scores;
  }

  flush(): TrainerRecord | undefined {
    return this.lag.flush();
  }

  /** n images (NHWC, [−1, 1]) from the best survivor (or its EMA copy), drawn with `rng`. */
  sample(n: number, rng: Rng, opts: SampleOptions = {}): SampledImages {
    const g = opts.ema !== false && this.ema ? this.ema.weights : this.parents[0].p;
    return sampleImages(this.o.model, g, n, rng, opts, this.o.batchSize);
  }

  corruptGenerators(): void {
    this.parents = this.parents.map((s) => {
      const p = filledLike(s.p, NaN);
      disposeParams(s.p);
      return { ...s, p };
    });
  }

  exportState(): ImageEganState {
    if (!this.lag.empty) throw new Error("exportState before flush: the last record is incomplete");
    return {
      it: this.it,
      draws: this.draws.state(),
      parents: this.parents.map(namedAdamToData),
      d: namedAdamToData(this.d),
      ema: this.ema?.toData(),
    };
  }

  dispose(): void {
    this.parents.forEach(disposeNamedAdam);
    disposeNamedAdam(this.d);
    this.ema?.dispose();
    this.lag.dispose();
  }
}
