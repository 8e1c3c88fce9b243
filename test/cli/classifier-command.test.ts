import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSidecar } from "../../src/metrics/classifier/classifier-weights.ts";
import { evogan } from "../helpers/cli-process.ts";

const dir = mkdtempSync(join(tmpdir(), "evogan-classifier-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("evogan classifier / metrics commands", () => {
  it("`classifier train --epochs 0 --out <dir>` writes a loadable sidecar and weights and says where", async () => {
    const out = join(dir, "trained");
    const r = await evogan(["classifier", "train", "--epochs", "0", "--out", out, "--backend", "wasm"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/60000 train \/ 10000 test images/);
    expect(r.stdout).toMatch(/wrote .*mnist-classifier\.json and its \.bin \(test accuracy \d+\.\d\d% on 10000 test images\)/);
    expect(existsSync(join(out, "mnist-classifier.bin"))).toBe(true);
    const s = readSidecar(join(out, "mnist-classifier.json"));
    expect(s.recipe.epochs).toBe(0);
    expect(s.testCount).toBe(10000);
  });

  it("`metrics real --n 500` prints FID, IS and class TVD of test images and IS/TVD of the training reference", async () => {
    const r = await evogan(["metrics", "real", "--n", "500", "--backend", "wasm"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/real test images\s+n=500\s+FID \d+\.\d{3}\s+IS \d\.\d{3}\s+class TVD 0\.\d{4}/);
    expect(r.stdout).toMatch(/training images\s+n=10000 .*IS \d\.\d{3}\s+class TVD 0\.\d{4}/);
  });

  it("rejects a non-positive --n", async () => {
    const r = await evogan(["metrics", "real", "--n", "0"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected a positive integer/);
  });
});
