// The augbigan family's config: its defaults (SGAN's task, D, G and trainer, plus E and the third
// pair on, the invariance penalty off), the shipped config equal to them, what it refuses (as
// BigBiGAN: one survivor, no rsgan, evolution every iteration; as SGAN: bce, balanced labels),
// and validation accuracy accepted as a sweep fitness for its members.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/load-config.ts";
import { decodeRunConfig, FAMILY_DEFAULTS } from "../../src/config/run-config.ts";
import { decodeSweepConfig } from "../../src/config/sweep-config.ts";
import { configError } from "./helpers.ts";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const aug = (extra: { task?: object; model?: object; trainer?: object } = {}) => ({ task: { dataset: "mnist", ...extra.task }, model: { family: "augbigan", ...extra.model }, trainer: { ...extra.trainer } });

describe("augbigan run configs", () => {
  it("{ model.family: augbigan } decodes to SGAN's task, D, G and trainer (D's EMA aside) with E [500, 500] at G's learning rate, the third pair on (D's features matched pair by pair, weight 0.1) and the invariance penalty off", () => {
    const c = decodeRunConfig({ model: { family: "augbigan" } });
    const s = decodeRunConfig({ model: { family: "sgan" } });
    expect(c.task).toEqual(s.task);
    expect(c.trainer).toEqual(s.trainer);
    const { generator: _g, classifierEma: _e, ...sganModel } = s.model as typeof s.model & { generator: string; classifierEma: unknown };
    expect(c.model).toEqual({ ...sganModel, family: "augbigan", eHidden: [500, 500], thirdPair: true, thirdPairLoss: "features", thirdPairWeight: 0.1, encoderLrScale: 1, invariance: 0 });
    expect((FAMILY_DEFAULTS.augbigan as { budget: unknown }).budget).toEqual((FAMILY_DEFAULTS.sgan as { budget: unknown }).budget);
  });

  it("the shipped configs/augbigan-mnist.json is that default, named after its file", async () => {
    const c = await loadRunConfig(join(configs, "augbigan-mnist.json"), []);
    expect(c.name).toBe("augbigan-mnist");
    expect({ ...c, name: undefined, eval: undefined }).toEqual({ ...decodeRunConfig({ model: { family: "augbigan" } }), name: undefined, eval: undefined });
  });

  it("refuses, each in one line naming the field: more than one survivor, rsgan, evolving every k, a D loss other than bce, unbalanced labels, a negative invariance weight, an unknown third-pair loss", () => {
    const cases: [object, string, RegExp][] = [
      [aug({ trainer: { mu: 2, mutations: ["feature-matching", "heuristic"] } }), "trainer.mu", /keeps one survivor/],
      [aug({ trainer: { mutations: ["feature-matching", "rsgan"] } }), "trainer.mutations", /no rsgan mutation/],
      [aug({ trainer: { evolveEvery: 10 } }), "trainer.evolveEvery", /evolves every iteration/],
      [aug({ trainer: { dLoss: "hinge" } }), "trainer.dLoss", /cross-entropy on its score/],
      [aug({ task: { labelled: 105 } }), "task.labelled", /multiple of the 10 classes/],
      [aug({ model: { invariance: -1 } }), "model.invariance", /.+/],
      [aug({ model: { thirdPairLoss: "pixels" } }), "model.thirdPairLoss", /adversarial.*features|features.*adversarial/],
    ];
    for (const [raw, path, reason] of cases) {
      const e = configError(() => decodeRunConfig(raw));
      expect(e.path).toBe(path);
      expect(e.reason).toMatch(reason);
    }
  });

  it("a sweep of augbigan members may rank them by validation accuracy", () => {
    const population = { base: aug(), members: 2, hyperparameters: { "model.unlabelledWeight": { kind: "continuous", min: 0.25, max: 2 } } };
    const sweep = decodeSweepConfig({ name: "s", population, generations: 2, segment: { iterations: 10 }, fitness: { metric: "val-accuracy" } });
    expect(sweep.fitness.metric).toBe("val-accuracy");
  });
});
