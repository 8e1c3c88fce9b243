import { describe, expect, it } from "vitest";
import { decodeSweepConfig, memberPlans, memberRunConfig } from "../../src/config/sweep-config.ts";
import { ConfigError } from "../../src/config/schema.ts";

const population = {
  base: { task: { dataset: "ring8" } },
  members: 3,
  hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-5, max: 1e-3, log: true } },
};
const valid = { name: "s", population, generations: 2, segment: { iterations: 10 } };

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("sweep configs", () => {
  it("fill Ray Tune's PBT defaults (quantile 0.25, resample probability 0.25) and the budget fields", () => {
    const c = decodeSweepConfig(valid);
    expect(c.strategy).toEqual({ kind: "pbt", quantile: 0.25, resampleProbability: 0.25 });
    expect(c).toMatchObject({ devices: "auto", retries: 2, checkpoints: { keep: 3 }, eval: { samples: 2500 } });
    expect(memberPlans(c.population).map((m) => m.id)).toEqual(["m0", "m1", "m2"]);
  });

  it("name the field of an error by its path, inside the population too", () => {
    expect(errorOf(() => decodeSweepConfig({ ...valid, strategy: { kind: "pbt", quantile: 0.7 } })).path).toBe("strategy.quantile");
    expect(errorOf(() => decodeSweepConfig({ ...valid, generation: 3 })).path).toBe("generation");
    expect(errorOf(() => decodeSweepConfig({ ...valid, devices: "gpu0" })).path).toBe("devices");
    expect(errorOf(() => decodeSweepConfig({ ...valid, population: { ...population, members: 0 } })).path).toBe("population.members");
  });

  it("report a member whose run config is invalid by its index and id, then the run-config path", () => {
    const c = decodeSweepConfig({ ...valid, population: { ...population, members: [{ id: "ok" }, { id: "bad", set: { "trainer.mu": 0 } }] } });
    const plans = memberPlans(c.population);
    expect(memberRunConfig(c.population, plans[0], 0, {}, c, 1).name).toBe("ok");
    const e = errorOf(() => memberRunConfig(c.population, plans[1], 1, {}, c, 1));
    expect(e.path).toBe("population.members[1] (bad) trainer.mu");
  });

  it("apply a member's hyperparameters to its run config", () => {
    const c = decodeSweepConfig(valid);
    const rc = memberRunConfig(c.population, memberPlans(c.population)[2], 2, { "trainer.g.lr": 3e-4 }, c, 7);
    expect(rc.trainer.g.lr).toBe(3e-4);
    expect(rc).toMatchObject({ name: "m2", seed: 7, task: { dataset: "ring8" } });
  });
});
