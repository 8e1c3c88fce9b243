import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunInfo } from "../../src/records.ts";

export const FIXTURE_RUN = fileURLToPath(new URL("../fixtures/run-small", import.meta.url));
export const FIXTURE_GOLDEN = fileURLToPath(new URL("../fixtures/run-small.report.txt", import.meta.url));
/** An E-GAN image run (mnist, dcgan, μ = 2): 12 iterations, evaluations with FID/IS/TVD at 4, 8, 12, the last one's sample grid. */
export const IMAGE_FIXTURE_RUN = fileURLToPath(new URL("../fixtures/run-image-small", import.meta.url));
export const IMAGE_FIXTURE_GOLDEN = fileURLToPath(new URL("../fixtures/run-image-small.report.txt", import.meta.url));

export const runInfo = (overrides: Partial<RunInfo> = {}): RunInfo => ({
  name: "tmp-run",
  backend: "cpu",
  status: "running",
  startedAt: "2026-11-23T02:00:00.000Z",
  updatedAt: "2026-11-23T02:00:01.000Z",
  seed: 1,
  iterations: 100,
  ...overrides,
});

/** A fresh temporary directory; `files` maps names to contents, an undefined content skips the file. */
export async function makeRunDir(files: Record<string, string | undefined>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "evogan-report-"));
  for (const [name, text] of Object.entries(files)) {
    if (text !== undefined) await writeFile(join(dir, name), text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
