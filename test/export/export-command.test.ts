// `evogan export` through the real CLI in real processes, its files read by numpy (Debian's
// python3-numpy) with the README's loader: a toy run's MLPs as PyTorch Linear layers (their
// output computed by numpy alone must be evogan's), a sweep member's newest checkpoint, a BigGAN
// run's tensors under their tfjs names, and the errors: no run (exit 7), every checkpoint damaged
// (exit 8, after passing over the damaged newer ones to an intact one when there is one), a part
// the run does not have (exit 2), an unwritable output (exit 6, nothing left behind).
import * as tf from "@tensorflow/tfjs";
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";
import type { RunCheckpoint } from "../../src/orchestrator/run-program.ts";
import type { SweepState } from "../../src/orchestrator/sweep-state.ts";
import { applyMlp, paramShapes, type MlpSpec } from "../../src/models/mlp.ts";
import type { ParamData } from "../../src/models/image/params.ts";
import { isImageEganState, isToyState } from "../../src/trainers/trainer.ts";
import type { MemberState } from "../../src/worker/protocol.ts";
import { Rng } from "../../src/util/rng.ts";
import { evogan } from "../helpers/cli-process.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { f32Bytes, runPython, skipWithout } from "./python.ts";

interface NumpyView {
  metadata: Record<string, string>;
  names: string[];
  entries: Record<string, { dtype: string; shape: number[] }>;
  values: Record<string, number[]>;
  mlp?: number[];
}

/** float32 through numpy's matmul against tfjs' (different summation orders). */
const TOLERANCE = 1e-5;
const SWEEP = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const toyRun = (name: string, extra: string[] = []) => [
  "run", "--no-report", "--set", `name=${name}`, "--set", "task.dataset=ring8", "--set", "model.gHidden=[16,16]", "--set", "model.dHidden=[16,16]",
  "--set", "budget.iterations=20", "--set", "eval.every=10", "--set", "eval.samples=100", "--set", "trainer.batchSize=32", "--set", "trainer.evalBatchSize=64", ...extra,
];

const skip = skipWithout(["numpy"], "export-command.test.ts");

let out: string;
const read = async (file: string, extra: string[] = []) => JSON.parse(await runPython("read_safetensors.py", [file, ...extra])) as NumpyView;

beforeAll(async () => {
  await useWasm();
  out = await mkdtemp(join(tmpdir(), "evogan-export-"));
  const runs = await Promise.all([
    evogan([...toyRun("toy", ["--set", "trainer.ema.decay=0.5", "--set", "trainer.ema.start=1"]), "--set", `outDir=${out}`]),
    evogan(["sweep", SWEEP, "--set", "generations=2", "--set", "segment.iterations=10", "--set", "eval.samples=100", "--set", `outDir=${out}`, "--set", "name=sw"]),
  ]);
  for (const r of runs) {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
});

/** The toy G's (or D's) output for `x` as evogan computes it, from a checkpoint's parameter list. */
function evoganMlp(params: readonly Float32Array[], spec: MlpSpec, x: Float32Array): Float32Array {
  const shapes = paramShapes(spec);
  return tf.tidy(() => applyMlp(params.map((p, i) => tf.tensor(p, shapes[i])), tf.tensor2d(x, [x.length / spec.input, spec.input])).dataSync() as Float32Array);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};

describe.skipIf(skip)("evogan export, read by numpy", () => {
  it("a toy run: G and its EMA copy by default, as Linear layers whose output numpy computes as evogan does; D on request", async () => {
    const file = join(out, "toy.safetensors");
    const r = await evogan(["export", join(out, "toy"), "-o", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*toy\.safetensors: g, g_ema of toy at iteration 20, 12 tensors in pytorch layout/);

    const saved = (await readCheckpoint(join(out, "toy", "checkpoints", "final.ckpt"))) as RunCheckpoint;
    const trainer = saved.state.trainer;
    if (!isToyState(trainer) || !trainer.ema) throw new Error("expected a toy state with an EMA");
    const n = 50;
    const z = new Rng(9).uniformArray(n * 2, -1, 1);
    const zFile = join(out, "toy-z.f32");
    await writeFile(zFile, f32Bytes(z));
    const g: MlpSpec = { input: 2, hidden: [16, 16], output: 2 };

    const view = await read(file, ["mlp", "g", zFile, String(n)]);
    expect(view.names).toEqual(["g", "g_ema"].flatMap((p) => [0, 1, 2].flatMap((l) => [`${p}.layers.${l}.weight`, `${p}.layers.${l}.bias`])));
    // PyTorch's Linear(in, out) weight is [out, in].
    expect(view.entries["g.layers.0.weight"].shape).toEqual([16, 2]);
    expect(view.entries["g.layers.2.weight"].shape).toEqual([2, 16]);
    expect(view.metadata).toMatchObject({ format: "pt", layout: "pytorch", family: "mlp", z_dim: "2", z_distribution: "uniform(-1, 1)", g_hidden: "16,16", parts: "g,g_ema", run: "toy", iteration: "20" });
    expect(view.metadata.evogan_version).toBe(JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")).version);
    const own = evoganMlp(trainer.parents[0].params, g, z);
    expect(maxAbsDiff(view.mlp!, own)).toBeLessThan(TOLERANCE);

    const emaParams = Object.keys(trainer.ema).map((k) => trainer.ema![k].data);
    const ema = evoganMlp(emaParams, g, z);
    expect(maxAbsDiff(own, ema)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff((await read(file, ["mlp", "g_ema", zFile, String(n)])).mlp!, ema)).toBeLessThan(TOLERANCE);

    // D alone: its input is a point (pack 1), so the same z file serves as n points.
    const dFile = join(out, "toy-d.safetensors");
    expect((await evogan(["export", join(out, "toy"), "--what", "d", "-o", dFile])).code).toBe(0);
    const d = await read(dFile, ["mlp", "d", zFile, String(n)]);
    expect(d.metadata.parts).toBe("d");
    expect(maxAbsDiff(d.mlp!, evoganMlp(trainer.d.params, { input: 2, hidden: [16, 16], output: 1 }, z))).toBeLessThan(TOLERANCE);
  });

  it("a sweep member: its newest checkpoint under <sweep>/checkpoints/<id>, G alone (no EMA), named <sweep>/<id>", async () => {
    const sweep = join(out, "sw");
    const state = JSON.parse(await readFile(join(sweep, "sweep.json"), "utf8")) as SweepState;
    const m1 = state.members.find((m) => m.id === "m1")!;
    const file = join(out, "m1.safetensors");
    const [r, sweepDir] = await Promise.all([evogan(["export", join(sweep, "members", "m1"), "-o", file]), evogan(["export", sweep, "-o", join(out, "x.safetensors")])]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`wrote .*m1\\.safetensors: g of sw/m1 at iteration ${m1.iterations},`));
    const saved = (await readCheckpoint(join(sweep, m1.checkpoint!))) as { state: MemberState };
    if (!isToyState(saved.state.trainer)) throw new Error("expected a toy member");
    const view = await read(file);
    expect(view.metadata).toMatchObject({ parts: "g", run: "sw/m1", iteration: String(m1.iterations) });
    // layers.0.weight[o][i] = W0[i][o] (tfjs [in, out], row-major).
    const w0 = saved.state.trainer.parents[0].params[0];
    const [nin, nout] = [2, 32];
    expect(view.entries["g.layers.0.weight"].shape).toEqual([nout, nin]);
    const expected = Array.from({ length: nout * nin }, (_, k) => w0[(k % nin) * nout + Math.floor(k / nin)]);
    expect(view.values["g.layers.0.weight"]).toEqual(expected);

    expect(sweepDir.code).toBe(7);
    expect(sweepDir.stderr).toMatch(/^evogan: .*sw is a sweep directory: export one of its members, .*members\/m0 \(of 4\)\n$/);
  });

  it("a BigGAN run: its tensors under their tfjs names and layouts, spectral-norm vectors included, the EMA copy as g_ema.", async () => {
    const run = await evogan([
      "run", "--no-report", "--set", `outDir=${out}`, "--set", "name=bg", "--set", "model.family=biggan", "--set", "model.width=8", "--set", "model.zDim=12",
      "--set", "task.limit=64", "--set", "trainer.batchSize=8", "--set", "trainer.evalBatchSize=16", "--set", "trainer.nD=1",
      "--set", "budget.iterations=1", "--set", "eval.every=1", "--set", "eval.samples=16", "--set", "eval.grid=4",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const file = join(out, "bg.safetensors");
    const r = await evogan(["export", join(out, "bg"), "-o", file]);
    expect(r.stdout).toMatch(/g, g_ema of bg at iteration 1, \d+ tensors in tfjs layout/);
    const saved = (await readCheckpoint(join(out, "bg", "checkpoints", "final.ckpt"))) as RunCheckpoint;
    const trainer = saved.state.trainer;
    if (!isImageEganState(trainer) || !trainer.ema) throw new Error("expected a BigGAN state with an EMA (BigGAN's default)");
    const g: ParamData = trainer.parents[0].p;
    const view = await read(file);
    expect(view.metadata).toMatchObject({ layout: "tfjs", family: "biggan", z_dim: "12", width: "8", image_height: "28", image_width: "28", image_channels: "1", parts: "g,g_ema" });
    expect(view.metadata.format).toBeUndefined();
    const gNames = Object.keys(g);
    expect(gNames).toContain("g.fc.w.u");
    expect(view.names).toEqual([...gNames, ...Object.keys(trainer.ema).map((n) => n.replace(/^g\./, "g_ema."))]);
    for (const name of gNames) {
      expect(view.entries[name].shape).toEqual(g[name].shape);
      expect(view.values[name]).toEqual(Array.from(g[name].data));
    }
    expect(view.values["g_ema.block0.conv1.w"]).toEqual(Array.from(trainer.ema["g.block0.conv1.w"].data));
  });
});

describe("evogan export refuses, with one line and its exit code", () => {
  it("a directory that is no run: exit 7; a run with no checkpoint yet: exit 7", async () => {
    const early = join(out, "early");
    await mkdir(join(early, "checkpoints"), { recursive: true });
    await writeFile(join(early, "config.json"), "{}");
    const [none, r] = await Promise.all([evogan(["export", join(out, "nowhere"), "-o", join(out, "x.safetensors")]), evogan(["export", early, "-o", join(out, "x.safetensors")])]);
    expect(none.code).toBe(7);
    expect(none.stderr).toMatch(/^evogan: not a run directory: .*nowhere \(no config\.json\)\n$/);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^evogan: no checkpoint in .*early yet/);
  });

  it("damaged checkpoints: the newest intact one is exported with a warning per damaged one; none intact: exit 8, no file", async () => {
    const dir = join(out, "damaged");
    await cp(join(out, "toy"), dir, { recursive: true });
    const damage = async (name: string) => {
      const f = join(dir, "checkpoints", name);
      const bytes = await readFile(f);
      bytes[bytes.length - 10] ^= 0xff;
      await writeFile(f, bytes);
    };
    await damage("final.ckpt");
    await damage("latest.ckpt");
    const file = join(out, "older.safetensors");
    const r = await evogan(["export", dir, "-o", file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^evogan: warning: corrupt checkpoint .*final\.ckpt: checksum mismatch; exporting the older .*damaged\/checkpoints\/previous\.ckpt\nevogan: warning: corrupt checkpoint .*latest\.ckpt/);
    // previous.ckpt is the checkpoint of the evaluation before the last.
    expect(r.stdout).toMatch(/g, g_ema of damaged at iteration 10,/);

    await damage("previous.ckpt");
    // A sweep member's damaged newest generation: the one before it.
    const sweep = join(out, "sw-damaged");
    await cp(join(out, "sw"), sweep, { recursive: true });
    const gen1 = join(sweep, "checkpoints", "m2", "gen-0001.ckpt");
    const bytes = await readFile(gen1);
    await writeFile(gen1, bytes.subarray(0, bytes.length - 100));
    const none = join(out, "none.safetensors");
    const [all, member] = await Promise.all([evogan(["export", dir, "-o", none]), evogan(["export", join(sweep, "members", "m2"), "-o", join(out, "m2.safetensors")])]);
    expect(member.code).toBe(0);
    expect(member.stderr).toMatch(/^evogan: warning: corrupt checkpoint .*gen-0001\.ckpt: .*; exporting the older .*gen-0000\.ckpt\n$/);
    expect(member.stdout).toMatch(/g of sw-damaged\/m2 at iteration 10,/);
    expect(all.code).toBe(8);
    expect(all.stderr).toMatch(/^evogan: corrupt checkpoint .*final\.ckpt: checksum mismatch; the older ones are damaged too \(latest\.ckpt, previous\.ckpt\)\n$/);
    expect(await readdir(out)).not.toContain("none.safetensors");
  });

  it("a part the run does not have, or an unknown one: exit 2", async () => {
    const [ema, e, bogus, format] = await Promise.all([
      evogan(["export", join(out, "sw", "members", "m0"), "--what", "ema", "-o", join(out, "x.safetensors")]),
      evogan(["export", join(out, "toy"), "--what", "g,e", "-o", join(out, "x.safetensors")]),
      evogan(["export", join(out, "toy"), "--what", "g,x", "-o", join(out, "x.safetensors")]),
      evogan(["export", join(out, "toy"), "--format", "onnx", "-o", join(out, "x.onnx")]),
    ]);
    expect(ema.code).toBe(2);
    expect(ema.stderr).toMatch(/^evogan: invalid config: --what: sw\/m0: this run has no EMA generator/);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/only BigBiGAN and augmented BiGAN have an encoder \(this run is mlp\)/);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/--what <parts>.*got x/);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format <format>.*onnx/);
    expect(await readdir(out)).not.toContain("x.safetensors");
  });

  it("an output it cannot write: exit 6, naming the file, nothing left behind", async () => {
    const missing = join(out, "no-such-dir", "G.safetensors");
    const asDir = join(out, "a-directory");
    await mkdir(asDir);
    const [r, d] = await Promise.all([evogan(["export", join(out, "toy"), "-o", missing]), evogan(["export", join(out, "toy"), "-o", asDir])]);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(`evogan: cannot write ${missing}: ENOENT: no such file or directory\n`);
    expect(d.code).toBe(6);
    expect(d.stderr).toMatch(/^evogan: cannot write .*a-directory: /);
    expect((await readdir(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await readdir(asDir)).toEqual([]);
  });
});
