// trainer.selection = "pareto": the survivors are taken front by front from the Pareto front of
// (Fq, Fd) (strategies/egan selectPareto, checked on hand-made children there). Here: the toy fast
// path and its autodiff reference still agree, every first survivor is dominated by no child, and
// the image trainer selects the same way.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import type { ChildRecord } from "../../src/records.ts";
import { EganFastTrainer } from "../../src/trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../../src/trainers/egan-reference.ts";
import type { EganOptions, TrainerRecord } from "../../src/trainers/egan-trainer.ts";
import { makeImageTrainer } from "../../src/trainers/image-trainer.ts";
import { selectPareto } from "../../strategies/egan.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { trainSteps } from "../helpers/train-steps.ts";
import { configError } from "../config/helpers.ts";

beforeAll(useWasm);

const dominated = (c: ChildRecord, all: readonly ChildRecord[]) => all.some((o) => o.Fq >= c.Fq && o.Fd >= c.Fd && (o.Fq > c.Fq || o.Fd > c.Fd));

/** Each record's survivors are what Pareto selection picks from its children, and none is dominated by a child of a later front. */
function expectPareto(records: readonly TrainerRecord[], mu: number): void {
  for (const r of records) {
    expect(r.survivors).toEqual(selectPareto(r.children, mu));
    expect(dominated(r.children[r.survivors[0]], r.children)).toBe(false);
  }
}

describe("Pareto selection in the trainers", () => {
  it("toy: the fast path and the reference pick the same non-dominated survivors (μ = 2)", async () => {
    const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined };
    const o: EganOptions = {
      dataset: toyDataset("ring8"),
      zDim: 2,
      gHidden: [32, 32],
      dHidden: [32, 32],
      mutations: ["minimax", "heuristic", "least-squares", "hinge"],
      mu: 2,
      gamma: 0.5,
      nD: 1,
      batchSize: 16,
      evalBatchSize: 32,
      g: adam,
      d: adam,
      seed: 8,
      selection: "pareto",
    };
    const fast = new EganFastTrainer(o);
    const ref = new EganReferenceTrainer(o);
    const rf = await trainSteps(fast, 6);
    const rr = await trainSteps(ref, 6);
    fast.dispose();
    ref.dispose();
    expectPareto(rf, 2);
    expect(rf.map((r) => r.survivors)).toEqual(rr.map((r) => r.survivors));
  });

  it("image (DCGAN, μ = 2): survivors are Pareto selection's", async () => {
    const c = decodeRunConfig({
      model: { family: "dcgan", width: 8, zDim: 12 },
      task: { dataset: "mnist", limit: 256 },
      trainer: { mutations: ["minimax", "heuristic", "least-squares"], mu: 2, selection: "pareto", batchSize: 16, evalBatchSize: 16 },
    });
    if (c.model.family === "mlp") throw new Error("expected dcgan");
    const t = makeImageTrainer({ task: c.task, model: c.model, trainer: c.trainer, seed: 2 });
    const records = await trainSteps(t, 4);
    t.dispose();
    expectPareto(records, 2);
  });

  it("config: sum by default; anything but sum or pareto is refused, naming the field", () => {
    expect(decodeRunConfig({}).trainer.selection).toBe("sum");
    expect(decodeRunConfig({ trainer: { selection: "pareto" } }).trainer.selection).toBe("pareto");
    expect(configError(() => decodeRunConfig({ trainer: { selection: "nsga" } })).message).toMatch(/trainer\.selection/);
  });
});
