import { afterEach, describe, expect, it } from "vitest";
import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { report } from "../../src/report/report.ts";
import { FIXTURE_GOLDEN, FIXTURE_RUN, IMAGE_FIXTURE_GOLDEN, IMAGE_FIXTURE_RUN, makeRunDir, runInfo } from "./run-dir.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("report", () => {
  it("renders the fixture run exactly as the committed golden text report", async () => {
    // To update after an intended change: regenerate test/fixtures/run-small.report.txt from
    // report([...], { format: "text" }) and review the diff by eye.
    const golden = await readFile(FIXTURE_GOLDEN, "utf8");
    expect(await report([FIXTURE_RUN], { format: "text" })).toBe(golden);
  });

  it("renders the image fixture run exactly as its committed golden text report", async () => {
    // FID, IS and TVD columns, the task columns, and FID/IS/TVD vs iteration and vs wall time.
    // Regenerate test/fixtures/run-image-small.report.txt the same way after an intended change.
    const golden = await readFile(IMAGE_FIXTURE_GOLDEN, "utf8");
    expect(await report([IMAGE_FIXTURE_RUN], { format: "text" })).toBe(golden);
  });

  it("keeps the runs in the order given", async () => {
    const copy = await makeRunDir({ "run.json": JSON.stringify(runInfo({ name: "aaa-first-alphabetically" })) });
    cleanups.push(copy.cleanup);
    await copyFile(join(FIXTURE_RUN, "events.jsonl"), join(copy.dir, "events.jsonl"));
    const json: unknown = JSON.parse(await report([FIXTURE_RUN, copy.dir], { format: "json" }));
    expect(json).toMatchObject([{ name: "run-small" }, { name: "aaa-first-alphabetically", status: "running" }]);
  });

  it("fails with the path of a directory that is not a run", async () => {
    const empty = await makeRunDir({});
    cleanups.push(empty.cleanup);
    await expect(report([FIXTURE_RUN, empty.dir], { format: "text" })).rejects.toThrow(`not a run directory: ${empty.dir} (no run.json)`);
  });
});
