// `evogan report` shows the commit a run started from (run.json's stamps): a column in the text
// table when any run knows its commit, "commit" and "dirty" fields in JSON and CSV.
import { copyFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import type { Stamps } from "../../src/records.ts";
import { report } from "../../src/report/report.ts";
import { FIXTURE_RUN, makeRunDir, runInfo } from "./run-dir.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const stamps = (dirty: boolean): Stamps => ({
  at: "2026-11-23T02:00:00.000Z",
  git: { commit: COMMIT, dirty },
  evogan: "0.1.0",
  node: "v20.20.2",
  tfjs: "4.22.0",
  backend: "wasm",
  backendVersion: "4.22.0",
  matmul: "OpenBLAS (native GEMM on the wasm heap)",
  argv: ["src/cli/bin.js", "run"],
  host: "h",
  configHash: "0123456789abcdef",
});

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function runWith(name: string, extra: object): Promise<string> {
  const run = await makeRunDir({ "run.json": JSON.stringify({ ...runInfo({ name, status: "finished" }), ...extra }) });
  cleanups.push(run.cleanup);
  await copyFile(join(FIXTURE_RUN, "events.jsonl"), join(run.dir, "events.jsonl"));
  return run.dir;
}

describe("report: the commit", async () => {
  const dirty = await runWith("dirty-run", { stamps: stamps(true) });
  const clean = await runWith("clean-run", { stamps: stamps(false), resumedWith: [stamps(true)] });
  const old = await runWith("old-run", {});

  it("text: a commit column, shortened as git log --oneline does, -dirty when tracked files differed; - when unknown", async () => {
    const lines = (await report([dirty, clean, old], { format: "text" })).split("\n");
    expect(lines[0]).toMatch(/^run\s+status\s+commit\s+iterations/);
    const at = lines[0].indexOf("commit");
    expect(lines[1].slice(at).split(/\s+/)[0]).toBe("0123456-dirty");
    expect(lines[2].slice(at).split(/\s+/)[0]).toBe("0123456");
    expect(lines[3].slice(at).split(/\s+/)[0]).toBe("-");
  });

  it("text: no commit column when no run knows its commit (runs from before stamps)", async () => {
    expect((await report([old], { format: "text" })).split("\n")[0]).not.toContain("commit");
  });

  it("json and csv: the full commit and whether it was dirty, empty for a run without stamps", async () => {
    const json = JSON.parse(await report([dirty, old], { format: "json" }));
    expect(json.map((s: { commit: unknown; dirty: unknown }) => [s.commit, s.dirty])).toEqual([[COMMIT, true], [null, null]]);
    const rows = (await report([dirty, clean, old], { format: "csv" })).trim().split("\r\n").map((r) => r.split(","));
    const col = (name: string) => rows[0].indexOf(name);
    expect(rows.slice(1).map((r) => [r[col("commit")], r[col("dirty")]])).toEqual([[COMMIT, "true"], [COMMIT, "false"], ["", ""]]);
  });
});
