import { describe, expect, it } from "vitest";
import { POPULATION_STRATEGY_NAMES } from "../../strategies/index.ts";
import { decodeSweepConfig, fitnessMetricsFor, memberPlans, memberRunConfig } from "../../src/config/sweep-config.ts";
import { FITNESS_METRICS, memberFitness } from "../../src/metrics/member-fitness.ts";
import type { ImageMetrics, ToyMetrics } from "../../src/records.ts";
import { configError } from "./helpers.ts";

const population = {
  base: { task: { dataset: "ring8" } },
  members: 3,
  hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-5, max: 1e-3, log: true } },
};
const valid = { name: "s", population, generations: 2, segment: { iterations: 10 } };


describe("sweep configs", () => {
  it("take PBT's perturbation factors from the config, and the strategy names from the registry", () => {
    expect(decodeSweepConfig({ ...valid, strategy: { kind: "pbt", perturbFactors: [0.5, 2] } }).strategy.perturbFactors).toEqual([0.5, 2]);
    expect(() => decodeSweepConfig({ ...valid, strategy: { kind: "pbt", perturbFactors: [0.5] } })).toThrow(/strategy\.perturbFactors/);
    expect(() => decodeSweepConfig({ ...valid, strategy: { kind: "pbt", perturbFactors: [0, 2] } })).toThrow(/strategy\.perturbFactors\[0\]/);
    const unknown = (() => {
      try {
        decodeSweepConfig({ ...valid, strategy: { kind: "bayes" } });
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const name of POPULATION_STRATEGY_NAMES) expect(unknown).toContain(name);
  });

  it("fill Ray Tune's PBT defaults (quantile 0.25, resample probability 0.25, factors 0.8 and 1.2) and the budget fields", () => {
    const c = decodeSweepConfig(valid);
    expect(c.strategy).toEqual({ kind: "pbt", quantile: 0.25, resampleProbability: 0.25, perturbFactors: [0.8, 1.2] });
    expect(c).toMatchObject({ devices: "auto", retries: 2, checkpoints: { keep: 3 }, eval: { samples: 2500 } });
    expect(memberPlans(c.population).map((m) => m.id)).toEqual(["m0", "m1", "m2"]);
  });

  it("refuse members of two architectures under the average strategy, which takes the mean of their weights", () => {
    const average = { ...valid, strategy: { kind: "average" } };
    expect(decodeSweepConfig(average).strategy.kind).toBe("average");
    const searched = configError(() => decodeSweepConfig({ ...average, population: { ...population, hyperparameters: { "model.gHidden": { kind: "choice", values: [[16], [32]] } } } }));
    expect([searched.path, searched.reason]).toEqual(['population.hyperparameters["model.gHidden"]', "is a model setting: the average strategy takes the mean of the members' weights, so they cannot differ in architecture"]);
    const wider = configError(() => decodeSweepConfig({ ...average, population: { ...population, members: [{ id: "a" }, { id: "b", set: { "model.dHidden": [64] } }] } }));
    expect([wider.path, wider.reason]).toEqual(["population.members[1].set", "gives member b another model than member a's: the average strategy takes the mean of the members' weights, so they need one architecture"]);
    // The same population is fine under PBT, whose copies take their source's architecture along.
    expect(decodeSweepConfig({ ...valid, population: { ...population, members: [{ id: "a" }, { id: "b", set: { "model.dHidden": [64] } }] } }).strategy.kind).toBe("pbt");
  });

  it("name the field of an error by its path, inside the population too", () => {
    expect(configError(() => decodeSweepConfig({ ...valid, strategy: { kind: "pbt", quantile: 0.7 } })).path).toBe("strategy.quantile");
    expect(configError(() => decodeSweepConfig({ ...valid, generation: 3 })).path).toBe("generation");
    expect(configError(() => decodeSweepConfig({ ...valid, devices: "gpu0" })).path).toBe("devices");
    expect(configError(() => decodeSweepConfig({ ...valid, population: { ...population, members: 0 } })).path).toBe("population.members");
  });

  it("report a member whose run config is invalid by its index and id, then the run-config path, while the config is decoded", () => {
    const bad = { ...valid, population: { ...population, members: [{ id: "ok" }, { id: "bad", set: { "trainer.mu": 0 } }] } };
    expect(configError(() => decodeSweepConfig(bad)).path).toBe("population.members[1] (bad) trainer.mu");
    // memberRunConfig (what the orchestrator calls later) names the member the same way.
    const c = decodeSweepConfig({ ...valid, population: { ...population, members: [{ id: "ok" }, { id: "fine" }] } });
    const plans = memberPlans(c.population);
    expect(memberRunConfig(c.population, plans[0], 0, {}, c, 1).name).toBe("ok");
    const e = configError(() => memberRunConfig(c.population, plans[1], 1, { "trainer.mu": 0 }, c, 1));
    expect(e.path).toBe("population.members[1] (fine) trainer.mu");
  });

  it("apply a member's hyperparameters to its run config", () => {
    const c = decodeSweepConfig(valid);
    const rc = memberRunConfig(c.population, memberPlans(c.population)[2], 2, { "trainer.g.lr": 3e-4 }, c, 7);
    expect(rc.trainer.g.lr).toBe(3e-4);
    expect(rc).toMatchObject({ name: "m2", seed: 7, task: { dataset: "ring8" } });
  });

  it("allow exactly the fitness metrics that member-fitness can compute on the members' data", () => {
    const toy: ToyMetrics = { samples: 100, modes: 7, totalModes: 8, highQuality: 0.9, reverseKL: 0.1, mmd: 0.01 };
    // An sgan member's metrics: the image ones and its classifier's accuracies.
    const image: ImageMetrics = { samples: 100, fid: 30, inceptionScore: 5, classTvd: 0.1, valAccuracy: 0.9, testAccuracy: 0.89 };
    expect(fitnessMetricsFor("toy")).toEqual(FITNESS_METRICS.filter((m) => !Number.isNaN(memberFitness(m, toy))));
    expect(fitnessMetricsFor("image")).toEqual(FITNESS_METRICS.filter((m) => !Number.isNaN(memberFitness(m, image))));
  });

  it("rank sgan members by validation accuracy, never by test accuracy, and a member without a classifier last", () => {
    const sgan: ImageMetrics = { samples: 100, fid: 30, inceptionScore: 5, classTvd: 0.1, valAccuracy: 0.91, testAccuracy: 0.99 };
    expect(memberFitness("val-accuracy", sgan)).toBe(0.91);
    expect(memberFitness("val-accuracy", { samples: 100, fid: 30, inceptionScore: 5, classTvd: 0.1 })).toBeNaN();
    expect(FITNESS_METRICS).not.toContain("test-accuracy");
  });

  it("resolve every member while decoding: an error in the base is the base's, in a member's set the member's", () => {
    const base = configError(() => decodeSweepConfig({ ...valid, population: { ...population, base: { task: { dataset: "ring8" }, trainer: { gama: 1 } } } }));
    expect(base.path).toBe("population.base.trainer.gama");
    const member = configError(() => decodeSweepConfig({ ...valid, population: { ...population, members: [{ id: "a" }, { id: "b", set: { "trainer.g.lrr": 1 } }] } }));
    expect(member.path).toBe("population.members[1] (b) trainer.g.lrr");
  });

  it("try each hyperparameter at its ends, inside its range and at every choice", () => {
    const space = (spec: unknown) => ({ ...valid, population: { ...population, hyperparameters: { "trainer.nD": spec } } });
    expect(configError(() => decodeSweepConfig(space({ kind: "integer", min: 0, max: 2 }))).path).toBe('population.hyperparameters["trainer.nD"].min');
    expect(configError(() => decodeSweepConfig(space({ kind: "integer", min: 1, max: 17 }))).path).toBe('population.hyperparameters["trainer.nD"].max');
    expect(configError(() => decodeSweepConfig(space({ kind: "continuous", min: 1, max: 2 }))).path).toBe('population.hyperparameters["trainer.nD"]');
    expect(configError(() => decodeSweepConfig(space({ kind: "choice", values: [1, 2, "3"] }))).path).toBe('population.hyperparameters["trainer.nD"].values[2]');
    expect(decodeSweepConfig(space({ kind: "integer", min: 1, max: 3 })).population.hyperparameters["trainer.nD"]).toEqual({ kind: "integer", min: 1, max: 3 });
  });

  it("accept a member set that indexes a list as --set does, and refuse one of a field the sweep sets", () => {
    const withSet = (set: Record<string, unknown>) => ({ ...valid, population: { ...population, base: { task: { dataset: "ring8" }, model: { gHidden: [8, 8] } }, members: [{ id: "a", set }] } });
    const c = decodeSweepConfig(withSet({ "model.gHidden[1]": 64 }));
    const model = memberRunConfig(c.population, memberPlans(c.population)[0], 0, {}, c, 1).model;
    expect(model.family === "mlp" && model.gHidden).toEqual([8, 64]);
    expect(configError(() => decodeSweepConfig(withSet({ backend: "cpu" }))).path).toBe("population.members[0].set.backend");
  });

  it("keep a saved sweep's name valid when the run store added a -2 suffix to a 100-character name", () => {
    expect(decodeSweepConfig({ ...valid, name: `${"s".repeat(100)}-2` }).name).toHaveLength(102);
    expect(configError(() => decodeSweepConfig({ ...valid, name: "s".repeat(101) })).path).toBe("name");
  });
});
