// A sweep of image members through the real CLI: members of two architectures (DCGAN widths 8
// and 16) ranked by the classifier's FID, computed in the workers. PBT's exploit copies the
// better member's weights into the worse, so the copy must take the source's architecture too;
// `evogan sample` then draws from a member by its directory.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evogan } from "../helpers/cli-process.ts";
import { readJsonl } from "../helpers/sweep-records.ts";

describe("an image sweep ranked by FID", () => {
  it("ranks members by −FID, and an exploited member continues with its source's architecture", async () => {
    const out = await mkdtemp(join(tmpdir(), "evogan-image-sweep-"));
    const population = {
      base: {
        task: { dataset: "mnist", limit: 256 },
        model: { family: "dcgan", zDim: 12, width: 8 },
        trainer: { mutations: ["minimax", "heuristic"], batchSize: 8, evalBatchSize: 16 },
      },
      members: [{ id: "narrow" }, { id: "wide", set: { "model.width": 16 } }],
      hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-4, max: 1e-3, log: true } },
    };
    const config = join(out, "sweep.json");
    await writeFile(
      config,
      JSON.stringify({
        name: "img",
        outDir: out,
        population,
        strategy: { kind: "pbt", quantile: 0.5 },
        fitness: { metric: "fid", tieBreak: "inception-score" },
        generations: 2,
        segment: { iterations: 3 },
        eval: { samples: 64 },
        threads: 1,
      }),
    );
    const r = await evogan(["sweep", config]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = join(out, "img");
    const generations = (await readJsonl(join(dir, "sweep.jsonl"))).filter((e) => e.type === "generation") as Array<{
      standings: Array<{ id: string; fitness: number; metrics: { fid: number } }>;
      decisions: Array<{ target: string; source: string }>;
    }>;
    expect(generations).toHaveLength(2);
    for (const g of generations) for (const s of g.standings) expect(s.fitness).toBeCloseTo(-s.metrics.fid, 9);
    const [first] = generations;
    expect(first.decisions).toHaveLength(1);
    const { target, source } = first.decisions[0];
    const best = [...first.standings].sort((a, b) => b.fitness - a.fitness)[0];
    expect(source).toBe(best.id);
    const widthOf = async (id: string) => JSON.parse(await readFile(join(dir, "members", id, "config.json"), "utf8")).model.width;
    expect(await widthOf(target)).toBe(await widthOf(source));
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(state.members.map((m: { status: string }) => m.status)).toEqual(["active", "active"]);
    expect(state.members.map((m: { iterations: number }) => m.iterations)).toEqual([6, 6]);
    // A member's newest checkpoint lives in the sweep: `evogan sample` finds it from the member's directory.
    const s = await evogan(["sample", join(dir, "members", target), "--n", "4", "-o", join(out, "member.png")]);
    expect(s.stderr).toBe("");
    expect(s.stdout).toMatch(/4 samples at iteration 6/);
  });
});
