// What the trainers of the families with an encoder (BigBiGAN, augmented BiGAN) share: the
// generator side is G and E together (one survivor: D's real pairs need one encoder), D scores
// (x, z) pairs, and the state is G, E and D with their Adam moments, the draws and the EMA of G.
// So is the end of an iteration: a plain one takes Fq from D's first step (finishPlain); an E-GAN
// one reads the children's fitness, keeps the best and steps D against it (selectAndTrainD).
// The losses, the fitness terms and D's steps themselves are each family's own.
import type { ImageData } from "../data/image-data.ts";
import type { ImageShape } from "../models/image/image-model.ts";
import { disposeParams, filledLike, ParamInit, readParamData, type ParamData, type Params } from "../models/image/params.ts";
import { Rng } from "../util/rng.ts";
import { weightsEma, type EmaOptions, type WeightsEma } from "./weights-ema.ts";
import { checkImageShape, ImageDraws, type ImageDrawsState } from "./image-draws.ts";
import * as tf from "@tensorflow/tfjs";
import { survivorsOf, type GLoss } from "../../strategies/egan.ts";
import type { TrainerConfig } from "../config/run-config.ts";
import { childRecords, LaggedRecord } from "./lagged-record.ts";
import { finishPlainIteration } from "./plain-fitness.ts";
import { disposeNamedAdam, namedAdamFromData, namedAdamInit, namedAdamToData, type NamedAdam, type NamedAdamData } from "./named-adam.ts";
import { TrainingDiverged, type Trainer, type TrainerRecord } from "./trainer.ts";
import type { SampledImages, SampleOptions } from "./image-sampling.ts";

export interface EncoderGanState {
  readonly it: number;
  readonly draws: ImageDrawsState;
  readonly g: NamedAdamData;
  readonly e: NamedAdamData;
  readonly d: NamedAdamData;
  readonly ema?: ParamData;
}

/** G and E, stepped together. */
export interface EncoderSide {
  readonly g: NamedAdam;
  readonly e: NamedAdam;
}

/** What the base needs of a model: its shapes and how to initialise G, E and D. */
export interface EncoderGanModel {
  readonly zDim: number;
  readonly shape: ImageShape;
  readonly gen: { initG(init: ParamInit): void };
  initE(init: ParamInit): void;
  initD(init: ParamInit): void;
}

export interface EncoderGanOptions extends Pick<TrainerConfig, "gamma">, Partial<Pick<TrainerConfig, "selection">> {
  readonly model: EncoderGanModel;
  /** One child per mutation; a single one makes every iteration plain. */
  readonly mutations: readonly GLoss[];
  /** The images D's real pairs are drawn from. */
  readonly data: ImageData;
  readonly batchSize: number;
  readonly seed: number;
  readonly ema?: EmaOptions;
}

export abstract class EncoderGanTrainer implements Trainer<EncoderGanState> {
  protected side: EncoderSide;
  protected d: NamedAdam;
  protected ema: WeightsEma | undefined;
  protected draws: ImageDraws;
  protected it = 0;
  protected readonly lag = new LaggedRecord();

  /** Fresh (G, D and E from the seed's streams 0, 1 and 3) or from a saved state. */
  constructor(
    private readonly base: EncoderGanOptions,
    state?: EncoderGanState,
  ) {
    const { model } = base;
    checkImageShape(model.shape, base.data);
    if (state) {
      this.it = state.it;
      this.side = { g: namedAdamFromData(state.g), e: namedAdamFromData(state.e) };
      this.d = namedAdamFromData(state.d);
      this.draws = new ImageDraws(base.data, model.zDim, 0, base.batchSize, base.seed, state.draws);
    } else {
      const gInit = new ParamInit(new Rng(base.seed, 0));
      model.gen.initG(gInit);
      const dInit = new ParamInit(new Rng(base.seed, 1));
      model.initD(dInit);
      const eInit = new ParamInit(new Rng(base.seed, 3));
      model.initE(eInit);
      this.side = { g: namedAdamInit(gInit.tensors()), e: namedAdamInit(eInit.tensors()) };
      this.d = namedAdamInit(dInit.tensors());
      this.draws = new ImageDraws(base.data, model.zDim, 0, base.batchSize, base.seed);
    }
    this.ema = weightsEma(base.ema, () => this.side.g.p, state?.ema);
  }

  get iteration(): number {
    return this.it;
  }

  abstract step(): Promise<TrainerRecord | undefined>;

  /** n_D steps of D against `side`'s pairs; with `score`, also D's mean σ of the first step's fake pairs before it moves. */
  protected abstract trainD(side: EncoderSide, score: boolean): { d: NamedAdam; loss: tf.Scalar; fq?: tf.Scalar };

  /** A plain run (one mutation): no fitness work. Fq = mean σ(D(fake pairs)) comes from D's first step; Fd is not computed (NaN) and F = Fq. */
  protected finishPlain(child: EncoderSide): Promise<TrainerRecord | undefined> {
    const { d, loss, fq } = this.trainD(child, true);
    this.it++;
    return finishPlainIteration(this.lag, this.it, this.base.mutations[0], fq!, loss, {
      discard: () => (disposeEncoderSide(child), disposeNamedAdam(d)),
      adopt: () => this.adopt(child, d),
    });
  }

  /**
   * E-GAN's end of an iteration, from each child's Fq and squared ‖∇_θD L_D‖ (`fq`, `sq`, one
   * scalar each, read in the iteration's one device read): the best child survives (μ = 1), D
   * steps against it, the EMA follows it; no survivor (every F NaN) is divergence.
   */
  protected async selectAndTrainD(children: EncoderSide[], fq: tf.Tensor[], sq: tf.Tensor[]): Promise<TrainerRecord | undefined> {
    const read = tf.tidy(() => tf.stack([...fq, ...sq]) as tf.Tensor1D);
    const values = await this.lag.read(read);
    tf.dispose([read, ...fq, ...sq]);
    const records = childRecords(values, [this.base.mutations], this.base.gamma);
    const survivors = survivorsOf(records, 1, this.base.selection);
    this.it++;
    if (survivors.length === 0) {
      children.forEach(disposeEncoderSide);
      throw new TrainingDiverged(this.it);
    }
    const best = children[survivors[0]];
    const { d, loss } = this.trainD(best, false);
    this.adopt(best, d);
    children.forEach((c, i) => i === survivors[0] || disposeEncoderSide(c));
    this.lag.hold({ it: this.it, children: records, survivors, dLoss: NaN }, loss);
    return this.lag.take();
  }
  abstract sample(n: number, rng: Rng, opts?: SampleOptions): Promise<SampledImages>;
  /** G(E(x)) for n images x (NHWC, [−1, 1]); the EMA generator unless `ema` is false. */
  abstract reconstruct(images: Float32Array, n: number, opts?: { ema?: boolean }): Promise<Float32Array>;

  /** G's weights to draw with: the EMA copy when there is one, unless `ema` is false. */
  protected generatorWeights(ema: boolean | undefined): Params {
    return ema !== false && this.ema ? this.ema.weights : this.side.g.p;
  }

  /** `side` becomes the generator side and `d` the discriminator; the EMA follows G. */
  protected adopt(side: EncoderSide, d: NamedAdam): void {
    disposeNamedAdam(this.d);
    this.d = d;
    disposeEncoderSide(this.side);
    this.side = side;
    this.ema?.follow(side.g.p, this.it);
  }

  flush(): Promise<TrainerRecord | undefined> {
    return this.lag.flush();
  }

  corruptGenerators(): void {
    const p = filledLike(this.side.g.p, NaN);
    disposeParams(this.side.g.p);
    this.side = { ...this.side, g: { ...this.side.g, p } };
  }

  async exportState(): Promise<EncoderGanState> {
    if (!this.lag.empty) throw new Error("exportState before flush: the last record is incomplete");
    const [g, e, d, ema] = await Promise.all([namedAdamToData(this.side.g), namedAdamToData(this.side.e), namedAdamToData(this.d), this.ema ? readParamData(this.ema.weights) : undefined]);
    return { it: this.it, draws: this.draws.state(), g, e, d, ema };
  }

  dispose(): void {
    disposeEncoderSide(this.side);
    disposeNamedAdam(this.d);
    this.ema?.dispose();
    this.lag.dispose();
  }
}

export function disposeEncoderSide(s: EncoderSide): void {
  disposeNamedAdam(s.g);
  disposeNamedAdam(s.e);
}
