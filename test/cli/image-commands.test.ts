// Image runs through the real CLI in real processes: `evogan run` on a tiny DCGAN and a tiny
// BigBiGAN (MNIST subset), then `evogan sample` and `evogan reconstruct` on their checkpoints,
// and the clear errors for runs they do not apply to.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evogan } from "../helpers/cli-process.ts";
import { decodePng } from "../report/decode-png.ts";

const tiny = (family: string) => [
  "--set", `model.family=${family}`, "--set", "model.width=8", "--set", "model.zDim=12", "--set", "task.limit=256",
  "--set", "trainer.batchSize=8", "--set", "trainer.evalBatchSize=16", "--set", "trainer.nD=1",
  "--set", "budget.iterations=6", "--set", "eval.every=3", "--set", "eval.samples=64", "--set", "eval.grid=16",
  ...(family === "bigbigan" ? ["--set", "model.hidden=16"] : []),
];

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-image-cli-"));
});

const events = async (dir: string) => (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));

describe("evogan run on images, then sample and reconstruct", () => {
  it("a DCGAN E-GAN run records classifier metrics and a sample grid at each evaluation; sample draws a grid from it", async () => {
    const run = await evogan(["run", "--no-report", "--set", `outDir=${out}`, "--set", "name=dc", ...tiny("dcgan")]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const dir = join(out, "dc");
    const evals = (await events(dir)).filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([3, 6]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(["classTvd", "fid", "inceptionScore", "samples"]);
      expect(e.metrics.fid).toBeGreaterThan(0);
      expect(e.metrics.inceptionScore).toBeGreaterThanOrEqual(1);
      // 16 images of 28×28 at scale 2 in a 4×4 grid with 2-pixel padding.
      const png = decodePng(await readFile(join(dir, e.plot)));
      expect([png.width, png.height]).toEqual([4 * 56 + 5 * 2, 4 * 56 + 5 * 2]);
    }

    const file = join(out, "dc-sample.png");
    // Three processes that only read the run: started together.
    const [s, r, c] = await Promise.all([
      evogan(["sample", dir, "--n", "6", "--no-ema", "-o", file]),
      evogan(["reconstruct", dir, "-o", join(out, "nope.png")]),
      evogan(["sample", dir, "--class", "3", "-o", join(out, "nope.png")]),
    ]);
    expect(s.stderr).toBe("");
    expect(s.stdout).toMatch(/wrote .*dc-sample\.png: 6 samples at iteration 6/);
    const png = decodePng(await readFile(file));
    expect(png.width).toBe(3 * 56 + 4 * 2);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evogan: .*reconstruct needs a BigBiGAN or augmented BiGAN member/);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/unconditional/);

    // A damaged final checkpoint: sample says so and draws from the one before it (latest.ckpt), as resume would.
    const final = join(dir, "checkpoints", "final.ckpt");
    const bytes = await readFile(final);
    await writeFile(final, bytes.subarray(0, bytes.length >> 1));
    const older = await evogan(["sample", dir, "--n", "6", "--no-ema", "-o", join(out, "dc-older.png")]);
    expect(older.code).toBe(0);
    expect(older.stderr).toMatch(/^evogan: warning: .*final\.ckpt.*; using the older .*latest\.ckpt\n$/);
    expect(older.stdout).toMatch(/wrote .*dc-older\.png: 6 samples at iteration 6/);
    await writeFile(final, bytes);
  });

  it("a BigBiGAN run can be reconstructed: each test image beside G(E(x))", async () => {
    // Reconstruction needs a trained checkpoint, not a second evaluation: three iterations, one evaluation.
    const run = await evogan(["run", "--no-report", "--set", `outDir=${out}`, "--set", "name=bi", ...tiny("bigbigan"), "--set", "budget.iterations=3"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const file = join(out, "bi-recon.png");
    const r = await evogan(["reconstruct", join(out, "bi"), "--n", "8", "-o", file]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/8 test images, each beside its reconstruction/);
    const png = decodePng(await readFile(file));
    // 16 tiles (8 pairs) in one row of 16 columns.
    expect([png.width, png.height]).toEqual([16 * 56 + 17 * 2, 56 + 2 * 2]);
  });

  it("sample on a directory without a checkpoint fails with exit 7, naming it", async () => {
    const r = await evogan(["sample", join(out, "missing"), "-o", join(out, "x.png")]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^evogan: not a run directory: .*missing \(no config\.json\)\n$/);
  });
});
