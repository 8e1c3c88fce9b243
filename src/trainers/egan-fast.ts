// The fast E-GAN iteration: hand-written backprop with plain 2-D matmuls (see src/models/mlp.ts
// for why), each parent's forward pass shared by all its children, and D's first step built from
// gradient pieces the fitness already computed.
//
// Gradients are kept in "sum form" (∂/∂o without the 1/N of a mean) so that pieces computed over
// row chunks can be recombined for different means: the fitness gradient ∇_θD L_D over the whole
// evaluation batch (1/E), and D's first training step over its first B real and q fake rows
// per survivor (1/B, 1/(μq)). In sum form ∂softplus(−o)/∂o = σ(o) − 1 (real), ∂softplus(o)/∂o = σ(o) (fake).
import * as tf from "@tensorflow/tfjs";
import { generatorLossGrad } from "../losses/gan-losses.ts";
import { applyMlp, backpropWeights, disposeBackpropWeights, mlpBackward, mlpForward } from "../models/mlp.ts";
import { scoped } from "../util/scoped.ts";
import { adamStep, keepAdam, type AdamState } from "./adam.ts";
import { EganTrainer, type ScoredChildren } from "./egan-trainer.ts";
import type { IterationDraws } from "./iteration-draws.ts";
import type { Mutation } from "../../strategies/egan.ts";

export class EganFastTrainer extends EganTrainer {
  protected score(draws: IterationDraws, tried: readonly (readonly Mutation[])[]): ScoredChildren {
    const { B, E, nz, q } = this.plan;
    // Means over D's outputs are over packs: m samples per D input (1 without packing).
    const m = this.m;
    const D = this.d;
    const DT = backpropWeights(D.params);
    const keep = <T extends tf.Tensor>(t: T): T => tf.keep(t);

    // 1. The real half of ∇_θD L_D, shared by every child, chunked as the plan says
    //    (its first chunk's scores also serve the rsgan mutation).
    let offset = 0;
    const real = this.plan.realChunks.map((rows) => {
      const x = draws.realEval.subarray(2 * offset, 2 * (offset + rows));
      offset += rows;
      return scoped(() => {
        const xr = tf.tensor2d(x, [rows, 2]);
        const fd = mlpForward(D.params, this.packed(xr));
        const grads = mlpBackward(DT, fd, tf.sub(tf.sigmoid(fd.out), 1), true, false).params!;
        return { logits: keep(fd.out), grads: grads.map(keep) };
      });
    });
    const realGradSum = tf.tidy(() => sumLists(real.map((r) => r.grads)));

    // 2. Children: one Adam step of each parent per mutation.
    const children: AdamState[] = [];
    this.parents.forEach((parent, p) => {
      tf.tidy(() => {
        const z = tf.tensor2d(draws.zChild[p], [B, nz]);
        const fg = mlpForward(parent.params, z);
        const fd = mlpForward(D.params, this.packed(this.blurred(fg.out, draws.noise?.child[p])));
        const s = tf.sigmoid(fd.out);
        const GT = backpropWeights(parent.params);
        for (const mutation of tried[p]) {
          const dO = generatorLossGrad(mutation, fd.out, s, real[0].logits) as tf.Tensor2D;
          const dX = tf.reshape(mlpBackward(DT, fd, dO, false, true).input!, [B, 2]) as tf.Tensor2D;
          const gG = mlpBackward(GT, fg, dX, true, false).params!;
          children.push(keepAdam(adamStep(parent, gG, this.o.g)));
        }
      });
    });

    // 3. Fitness of each child on the evaluation batch; keeps, per child, the fake chunks and
    //    gradient pieces D's steps may need.
    const perChild = children.map((child) =>
      scoped(() => {
        let row = 0;
        const chunks = this.plan.evalChunks.map((rows) => {
          const z = tf.tensor2d(draws.zEval.subarray(nz * row, nz * (row + rows)), [rows, nz]);
          row += rows;
          const x = this.blurred(applyMlp(child.params, z), draws.noise?.eval, row - rows);
          const fd = mlpForward(D.params, this.packed(x));
          const s = tf.sigmoid(fd.out);
          const grads = mlpBackward(DT, fd, s as tf.Tensor2D, true, false).params!;
          return { x, logits: fd.out, sumS: tf.sum(s), grads };
        });
        const fakeGradSum = sumLists(chunks.map((c) => c.grads));
        let sq: tf.Tensor = tf.scalar(0);
        for (let i = 0; i < fakeGradSum.length; i++) {
          sq = tf.add(sq, tf.sum(tf.square(tf.div(tf.add(realGradSum[i], fakeGradSum[i]), E / m))));
        }
        const Fq = tf.div(tf.addN(chunks.map((c) => c.sumS)), E / m);
        const steps = chunks.slice(0, this.plan.evalFakeSteps);
        return {
          Fq: keep(Fq),
          sq: keep(sq),
          fakes: steps.map((c) => keep(c.x)),
          logits0: steps.length > 0 ? keep(steps[0].logits) : undefined,
          grads0: steps.length > 0 ? steps[0].grads.map(keep) : undefined,
        };
      }),
    );
    const scores = tf.tidy(() => tf.stack([...perChild.map((c) => c.Fq), ...perChild.map((c) => c.sq)]) as tf.Tensor1D);

    const trainD = (survivors: readonly number[]): { d: AdamState; loss: tf.Scalar } => {
      let d = D;
      let loss: tf.Scalar | undefined;
      const fakesOf = (step: number): tf.Tensor2D =>
        step < this.plan.evalFakeSteps
          ? (tf.concat(survivors.map((s) => perChild[s].fakes[step])) as tf.Tensor2D)
          : (tf.concat(
              survivors.map((s, i) => {
                const z = draws.zFresh[step - this.plan.evalFakeSteps].subarray(i * q * nz, (i + 1) * q * nz);
                return this.blurred(applyMlp(children[s].params, tf.tensor2d(z, [q, nz])), draws.noise?.fresh[step - this.plan.evalFakeSteps], i * q);
              }),
            ) as tf.Tensor2D);
      let extra = 0;
      for (let step = 0; step < this.plan.nD; step++) {
        const next = scoped(() => {
          const nf = survivors.length * q;
          if (step === 0 && this.plan.realFromEval && this.plan.evalFakeSteps > 0) {
            // D's first step from the fitness pieces: real rows 0..B−1 and each survivor's first q fakes.
            const fakeSum = sumLists(survivors.map((s) => perChild[s].grads0!));
            const grads = real[0].grads.map((g, i) => tf.add(tf.div(g, B / m), tf.div(fakeSum[i], nf / m)));
            const fakeLogits = tf.concat(survivors.map((s) => perChild[s].logits0!));
            const l = tf.add(tf.mean(tf.softplus(tf.neg(real[0].logits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
            return { d: keepAdam(adamStep(d, grads, this.o.d)), loss: tf.keep(l) };
          }
          const xr = this.plan.realFromEval && step === 0
            ? tf.tensor2d(draws.realEval.subarray(0, 2 * B), [B, 2])
            : tf.tensor2d(draws.realExtra[extra], [B, 2]);
          const xf = fakesOf(step);
          const fd = mlpForward(d.params, tf.concat([this.packed(xr), this.packed(xf)]) as tf.Tensor2D);
          const [or, of] = tf.split(fd.out, [B / m, nf / m]);
          const dO = tf.concat([tf.div(tf.sub(tf.sigmoid(or), 1), B / m), tf.div(tf.sigmoid(of), nf / m)]) as tf.Tensor2D;
          const grads = mlpBackward(backpropWeights(d.params), fd, dO, true, false).params!;
          const l = tf.add(tf.mean(tf.softplus(tf.neg(or))), tf.mean(tf.softplus(of))) as tf.Scalar;
          return { d: keepAdam(adamStep(d, grads, this.o.d)), loss: tf.keep(l) };
        });
        if (!(step === 0 && this.plan.realFromEval)) extra++;
        if (d !== D) tf.dispose([...d.params, ...d.m, ...d.v]);
        loss?.dispose();
        d = next.d;
        loss = next.loss;
      }
      return { d, loss: loss! };
    };

    const dispose = () => {
      disposeBackpropWeights(DT);
      tf.dispose(realGradSum);
      for (const r of real) tf.dispose([r.logits, ...r.grads]);
      for (const c of perChild) tf.dispose([c.Fq, c.sq, ...c.fakes, ...(c.logits0 ? [c.logits0] : []), ...(c.grads0 ?? [])]);
    };
    return { children, scores, trainD, dispose };
  }
}

/** Element-wise sums of equally shaped lists of tensors. */
function sumLists(lists: readonly (readonly tf.Tensor[])[]): tf.Tensor[] {
  return lists[0].map((_, i) => (lists.length === 1 ? tf.clone(lists[0][i]) : tf.addN(lists.map((l) => l[i]))));
}
