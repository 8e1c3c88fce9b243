// The per-iteration record of an E-GAN trainer, with D's loss read one iteration late: the loss
// of iteration t stays on the device and is read together with iteration t+1's fitness values,
// so an iteration costs one device read. `flush` completes the last record with one more read.
// Reads are awaited (`data()`, not `dataSync()`): the webgpu backend forbids synchronous reads in
// Node, and on wasm and cpu an awaited read costs the same one copy.
// A record completed by `read` is handed out by `take` (or by `flush` when the iteration that
// read it failed, e.g. diverged), so no record is lost.
import * as tf from "@tensorflow/tfjs";
import { fitness, type GLoss } from "../../strategies/egan.ts";
import type { ChildRecord } from "../records.ts";
import type { TrainerRecord } from "./trainer.ts";

export class LaggedRecord {
  private pending: { record: TrainerRecord; loss: tf.Scalar } | undefined;
  private ready: TrainerRecord | undefined;

  /** Reads `values` (1-D) in one device read, completing the held record with its D loss. */
  async read(values: tf.Tensor1D): Promise<Float32Array> {
    const prev = this.pending;
    const both = prev ? tf.tidy(() => tf.concat([values, tf.reshape(prev.loss, [1])])) : values;
    const out = (await both.data()) as Float32Array;
    if (prev) {
      prev.record.dLoss = out[out.length - 1];
      both.dispose();
      prev.loss.dispose();
      this.pending = undefined;
      this.ready = prev.record;
    }
    return out;
  }

  /** Holds this iteration's record until its D loss (kept by the caller for us) is read. */
  hold(record: TrainerRecord, loss: tf.Scalar): void {
    this.pending = { record, loss };
  }

  /** The record `read` completed, if any. */
  take(): TrainerRecord | undefined {
    const r = this.ready;
    this.ready = undefined;
    return r;
  }

  /** Any record not yet handed out, complete (reads the held loss if there is one). */
  async flush(): Promise<TrainerRecord | undefined> {
    const ready = this.take();
    if (ready) return ready;
    const prev = this.pending;
    if (!prev) return undefined;
    prev.record.dLoss = (await prev.loss.data())[0];
    prev.loss.dispose();
    this.pending = undefined;
    return prev.record;
  }

  get empty(): boolean {
    return !this.pending && !this.ready;
  }

  dispose(): void {
    this.pending?.loss.dispose();
    this.pending = undefined;
    this.ready = undefined;
  }
}

/**
 * The children's records from one read: values = [Fq_0..Fq_{C−1}, ‖∇‖²_0..‖∇‖²_{C−1}, ...] for
 * the C children of `tried` (parent p tried the losses tried[p]; children parent-major, losses in
 * that order); Fd = −log ‖∇‖ = −½ log ‖∇‖².
 */
export function childRecords(values: ArrayLike<number>, tried: readonly (readonly GLoss[])[], gamma: number): ChildRecord[] {
  const count = tried.reduce((n, ls) => n + ls.length, 0);
  const out: ChildRecord[] = [];
  tried.forEach((losses, parent) =>
    losses.forEach((mutation) => {
      const c = out.length;
      const Fq = values[c];
      const Fd = -0.5 * Math.log(values[count + c]);
      out.push({ mutation, parent, Fq, Fd, F: fitness(Fq, Fd, gamma) });
    }),
  );
  return out;
}
