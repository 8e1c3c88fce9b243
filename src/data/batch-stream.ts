// An endless, seeded stream of minibatches over an ImageData: epoch e visits the examples in the
// order new Rng(seed, e).permutation(count), so every example appears exactly once per epoch. A
// batch that reaches the end of an epoch is completed from the start of the next one (batches are
// always full). The position is two integers, so a checkpoint can save it and a resumed run draws
// exactly the batches the interrupted one would have drawn.

import { Rng } from "../util/rng.ts";
import { gatherBatch, type ImageData } from "./image-data.ts";

export interface BatchStreamState {
  /** Current epoch, from 0. */
  readonly epoch: number;
  /** Position within the epoch's permutation: the next example drawn is permutation[offset]. */
  readonly offset: number;
  /** Number of examples the stream was built over (checked on restore). */
  readonly count: number;
}

export class BatchStream {
  private readonly data: ImageData;
  private readonly batchSize: number;
  private readonly seed: number;
  private epoch: number;
  private offset: number;
  private order: Int32Array;

  constructor(data: ImageData, batchSize: number, seed: number, state?: BatchStreamState) {
    if (data.count < 1) throw new Error(`${data.name}: a BatchStream needs at least one example`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${data.name}: batch size must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(seed)) throw new Error(`${data.name}: BatchStream seed must be an integer, got ${seed}`);
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
    this.epoch = 0;
    this.offset = 0;
    if (state !== undefined) {
      if (state.count !== data.count) throw new Error(`${data.name}: saved BatchStream state is for ${state.count} examples, this dataset has ${data.count}`);
      if (!Number.isInteger(state.epoch) || state.epoch < 0) throw new Error(`${data.name}: saved BatchStream epoch must be a non-negative integer, got ${state.epoch}`);
      if (!Number.isInteger(state.offset) || state.offset < 0 || state.offset >= data.count) {
        throw new Error(`${data.name}: saved BatchStream offset must be an integer in 0..${data.count - 1}, got ${state.offset}`);
      }
      this.epoch = state.epoch;
      this.offset = state.offset;
    }
    this.order = this.permutation(this.epoch);
  }

  /** The next batchSize examples (NHWC floats and Int32 labels). */
  next(): { images: Float32Array; labels: Int32Array } {
    const indices = new Int32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) {
      indices[i] = this.order[this.offset++];
      if (this.offset === this.data.count) {
        this.epoch++;
        this.offset = 0;
        this.order = this.permutation(this.epoch);
      }
    }
    return gatherBatch(this.data, indices);
  }

  /** The position to pass back to the constructor to continue from here. */
  state(): BatchStreamState {
    return { epoch: this.epoch, offset: this.offset, count: this.data.count };
  }

  private permutation(epoch: number): Int32Array {
    return new Rng(this.seed, epoch).permutation(this.data.count);
  }
}
