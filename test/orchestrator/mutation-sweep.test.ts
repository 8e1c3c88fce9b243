// PBT over E-GAN's mutation set: `trainer.mutations` as a choice between lists. Through the real
// CLI: an exploited member's explored mutation set is the one its children use from then on.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl } from "../helpers/sweep-records.ts";
import { evogan } from "../helpers/cli-process.ts";

const SETS = [["heuristic"], ["minimax", "least-squares"], ["least-squares", "rsgan"]];

describe("a PBT sweep over trainer.mutations", () => {
  it("changes an exploited member's mutation set, and its children use the new set from the next segment on", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evogan-mutation-sweep-"));
    const config = join(dir, "sweep.json");
    await writeFile(
      config,
      JSON.stringify({
        name: "mut",
        outDir: dir,
        population: {
          base: { task: { dataset: "ring8" }, model: { gHidden: [16], dHidden: [16] }, trainer: { batchSize: 16, evalBatchSize: 32 } },
          members: 4,
          hyperparameters: { "trainer.mutations": { kind: "choice", values: SETS } },
        },
        // Every explored value is redrawn, so exploits move the mutation set often.
        strategy: { kind: "pbt", quantile: 0.5, resampleProbability: 1 },
        generations: 3,
        segment: { iterations: 5 },
        eval: { samples: 200 },
      }),
    );
    const r = await evogan(["sweep", config]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);

    const log = await readJsonl(join(dir, "mut", "sweep.jsonl"));
    type Decision = { target: string; explored: Array<{ name: string; from: string[]; to: string[] }> };
    const changed = log
      .filter((e) => e.type === "generation")
      .flatMap((e) => ((e.decisions as Decision[] | undefined) ?? []).map((d) => ({ generation: e.g as number, ...d })))
      .map((d) => ({ ...d, move: d.explored.find((x) => x.name === "trainer.mutations")! }))
      .filter((d) => JSON.stringify(d.move.from) !== JSON.stringify(d.move.to));
    expect(changed.length).toBeGreaterThan(0);

    let checked = 0;
    for (const d of changed) {
      const events = await readJsonl(join(dir, "mut", "members", d.target, "events.jsonl"));
      // The segment after the decision (segments of 5 iterations; generation g ends at 5(g + 1)).
      const after = events.filter((e) => e.type === "iteration" && (e.it as number) > 5 * (d.generation + 1) && (e.it as number) <= 5 * (d.generation + 2));
      if (after.length === 0) continue; // a decision after the last generation trains nothing
      checked++;
      for (const e of after) {
        const mutations = (e.children as Array<{ mutation: string }>).map((c) => c.mutation);
        expect(mutations).toEqual(d.move.to);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
