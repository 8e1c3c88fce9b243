import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { loadRunConfig } from "../../src/config/load-config.ts";
import { loadSweepConfig, memberPlans, memberRunConfig } from "../../src/config/sweep-config.ts";

const configsDir = fileURLToPath(new URL("../../configs/", import.meta.url));
const all = readdirSync(configsDir).filter((f) => f.endsWith(".json")).sort();
// Sweep configs (a population of run configs) are named sweep-*.json.
const files = all.filter((f) => !f.startsWith("sweep-"));
const sweeps = all.filter((f) => f.startsWith("sweep-"));

describe("configs/", () => {
  it("holds the four shipped configs", () => {
    expect(files).toEqual(
      expect.arrayContaining(["baseline-grid25.json", "baseline-ring8.json", "egan-grid25.json", "egan-ring8.json"]),
    );
  });

  it.each(files)("%s decodes, and its name matches its file name", async (f) => {
    const c = await loadRunConfig(join(configsDir, f), []);
    expect(`${c.name}.json`).toBe(f);
  });

  it.each(sweeps)("%s decodes, its population's every member is a valid run config, and its name matches", async (f) => {
    const sweep = await loadSweepConfig(join(configsDir, f));
    expect(`${sweep.name}.json`).toBe(f);
    const members = memberPlans(sweep.population);
    expect(members.length).toBeGreaterThan(1);
    members.forEach((m, i) => expect(memberRunConfig(sweep.population, m, i, {}, sweep, 1).name).toBe(m.id));
  });

  it("baselines train a single heuristic-loss generator on the same budget as E-GAN", async () => {
    for (const dataset of ["grid25", "ring8"]) {
      const base = await loadRunConfig(join(configsDir, `baseline-${dataset}.json`), []);
      const egan = await loadRunConfig(join(configsDir, `egan-${dataset}.json`), []);
      expect(base.trainer.mutations).toEqual(["heuristic"]);
      expect(base.trainer.mu).toBe(1);
      expect(egan.trainer.mutations.length).toBeGreaterThan(1);
      expect(base.task.dataset).toBe(dataset);
      expect(egan.task.dataset).toBe(dataset);
      expect(base.budget).toEqual({ iterations: 3000 });
      expect(egan.budget).toEqual(base.budget);
      expect(egan.eval).toEqual({ every: 500, samples: 2500, grid: 64 });
      expect(base.eval).toEqual(egan.eval);
    }
  });
});
