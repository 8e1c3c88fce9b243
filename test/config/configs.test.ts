import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { loadRunConfig } from "../../src/config/load-config.ts";

const configsDir = fileURLToPath(new URL("../../configs/", import.meta.url));
const files = readdirSync(configsDir).filter((f) => f.endsWith(".json")).sort();

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
      expect(egan.eval).toEqual({ every: 500, samples: 2500 });
      expect(base.eval).toEqual(egan.eval);
    }
  });
});
