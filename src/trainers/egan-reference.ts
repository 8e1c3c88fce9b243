// The straightforward E-GAN iteration: tfjs autodiff (tf.grads) on plain layers, one child at
// a time, the fitness gradient over the whole evaluation batch at once. It is slow and kept as
// the independent check of the fast path (same draws, so the same survivors and fitness).
import * as tf from "@tensorflow/tfjs";
import { discriminatorLoss, generatorLoss } from "../losses/gan-losses.ts";
import { scoped } from "../util/scoped.ts";
import { adamStep, keepAdam, type AdamState } from "./adam.ts";
import { EganTrainer, type ScoredChildren } from "./egan-trainer.ts";
import type { IterationDraws } from "./iteration-draws.ts";
import type { Mutation } from "../../strategies/egan.ts";

/** x ↦ W_L·relu(…relu(W_0·x + b_0)…) + b_L with unfused ops, so autodiff sees every step. */
function mlp(params: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor {
  let h = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, params[2 * l] as tf.Tensor2D), params[2 * l + 1]);
    if (l < layers - 1) h = tf.relu(h);
  }
  return h;
}

function gradsOf(params: tf.Tensor[], loss: (...ps: tf.Tensor[]) => tf.Tensor): tf.Tensor[] {
  return tf.grads(loss)(params);
}

export class EganReferenceTrainer extends EganTrainer {
  protected score(draws: IterationDraws, tried: readonly (readonly Mutation[])[]): ScoredChildren {
    const { B, E, nz, q } = this.plan;
    const D = this.d;
    const children: AdamState[] = [];
    const xr = tf.tensor2d(draws.realEval, [E, 2]);
    // D's scores of the first real chunk, which the rsgan mutation pairs with the fakes (as the fast path does).
    const realLogits = tf.tidy(() => mlp(D.params, this.packed(tf.slice(xr, [0, 0], [this.plan.realChunks[0], 2]))));
    this.parents.forEach((parent, p) => {
      for (const mutation of tried[p]) {
        const child = scoped(() => {
          const z = tf.tensor2d(draws.zChild[p], [B, nz]);
          const grads = gradsOf(parent.params, (...g) => generatorLoss(mutation, mlp(D.params, this.packed(this.blurred(mlp(g, z) as tf.Tensor2D, draws.noise?.child[p]))), realLogits));
          return keepAdam(adamStep(parent, grads, this.o.g));
        });
        children.push(child);
      }
    });

    const zEval = tf.tensor2d(draws.zEval, [E, nz]);
    const fakes = children.map((c) => tf.tidy(() => this.blurred(mlp(c.params, zEval) as tf.Tensor2D, draws.noise?.eval)));
    const Fq: tf.Tensor[] = [];
    const sq: tf.Tensor[] = [];
    for (const x of fakes) {
      tf.tidy(() => {
        Fq.push(tf.keep(tf.mean(tf.sigmoid(mlp(D.params, this.packed(x as tf.Tensor2D))))));
        const g = gradsOf(D.params, (...d) => discriminatorLoss(mlp(d, this.packed(xr)), mlp(d, this.packed(x as tf.Tensor2D))));
        sq.push(tf.keep(tf.addN(g.map((t) => tf.sum(tf.square(t))))));
      });
    }
    const scores = tf.tidy(() => tf.stack([...Fq, ...sq])) as tf.Tensor1D;
    tf.dispose([...Fq, ...sq]);

    const trainD = (survivors: readonly number[]): { d: AdamState; loss: tf.Scalar } => {
      let d = D;
      let loss: tf.Scalar | undefined;
      let extra = 0;
      for (let step = 0; step < this.plan.nD; step++) {
        const next = scoped(() => {
          const real = this.plan.realFromEval && step === 0 ? tf.slice(xr, [0, 0], [B, 2]) : tf.tensor2d(draws.realExtra[extra], [B, 2]);
          const fake = tf.concat(
            survivors.map((s, i) => {
              if (step < this.plan.evalFakeSteps) return tf.slice(fakes[s], [step * q, 0], [q, 2]);
              const z = draws.zFresh[step - this.plan.evalFakeSteps].subarray(i * q * nz, (i + 1) * q * nz);
              return this.blurred(mlp(children[s].params, tf.tensor2d(z, [q, nz])) as tf.Tensor2D, draws.noise?.fresh[step - this.plan.evalFakeSteps], i * q);
            }),
          );
          const [pr, pf] = [this.packed(real as tf.Tensor2D), this.packed(fake as tf.Tensor2D)];
          const l = discriminatorLoss(mlp(d.params, pr), mlp(d.params, pf));
          const grads = gradsOf(d.params, (...w) => discriminatorLoss(mlp(w, pr), mlp(w, pf)));
          return { d: keepAdam(adamStep(d, grads, this.o.d)), loss: tf.keep(l) };
        });
        if (!(this.plan.realFromEval && step === 0)) extra++;
        if (d !== D) tf.dispose([...d.params, ...d.m, ...d.v]);
        loss?.dispose();
        d = next.d;
        loss = next.loss;
      }
      return { d, loss: loss! };
    };
    const dispose = () => tf.dispose([xr, realLogits, zEval, ...fakes]);
    return { children, scores, trainD, dispose };
  }
}
