// The PyTorch round trip of a DCGAN (Debian's python3-torch): `evogan export` writes a real run's
// G, its EMA copy and D; test/export/dcgan_torch.py builds the PyTorch modules of the README's
// mapping, loads the file with json + numpy alone, and must give the images evogan's own generator
// draws for the same z vectors (and D the same logits for the same images), within float
// tolerance. A second case checks the mapping at 32×32 RGB with random (far from initial) weights.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dcganDiscriminatorMapping, dcganGeneratorMapping, type DcganDims } from "../../src/export/dcgan-layout.ts";
import { encodeSafetensors } from "../../src/export/safetensors.ts";
import { mapTensors } from "../../src/export/tensor-mapping.ts";
import { dcgan } from "../../src/models/image/dcgan.ts";
import { disposeParams, fromParamData, ParamInit, type ParamData } from "../../src/models/image/params.ts";
import { readCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";
import type { RunCheckpoint } from "../../src/orchestrator/run-program.ts";
import { isImageEganState } from "../../src/trainers/trainer.ts";
import { Rng } from "../../src/util/rng.ts";
import { evogan } from "../helpers/cli-process.ts";
import { useWasm } from "../helpers/tf-backend.ts";
import { f32Bytes, f32Of, runPython, skipWithout } from "./python.ts";

/** Images in [−1, 1] and logits: float32 through two libraries' kernels (measured: at most 4e-7). */
const TOLERANCE = 1e-4;
/** z vectors per batch: evogan's batch norm normalises with the batch's statistics, so both sides see the same batch. */
const N = 16;

const skip = skipWithout(["numpy", "torch"], "dcgan-torch.test.ts");

let out: string;
beforeAll(async () => {
  await useWasm();
  out = await mkdtemp(join(tmpdir(), "evogan-export-torch-"));
});

/** evogan's own generator output (NHWC) and D's logits, from the model code on tfjs. */
function evoganG(dims: DcganDims, g: ParamData, z: Float32Array): Float32Array {
  const p = fromParamData(g);
  const y = tf.tidy(() => dcgan(dims).generate(p, tf.tensor2d(z, [N, dims.zDim]), undefined));
  const data = y.dataSync() as Float32Array;
  y.dispose();
  disposeParams(p);
  return data;
}
function evoganD(dims: DcganDims, d: ParamData, x: Float32Array): Float32Array {
  const p = fromParamData(d);
  const { height: h, width: w, channels: c } = dims.shape;
  const y = tf.tidy(() => dcgan(dims).discriminate(p, tf.tensor4d(x, [N, h, w, c]), undefined));
  const data = y.dataSync() as Float32Array;
  y.dispose();
  disposeParams(p);
  return data;
}

/** NCHW (PyTorch) values as NHWC (evogan), index by index. */
function nhwcOf(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let r = 0; r < h; r++) for (let s = 0; s < w; s++) y[((i * h + r) * w + s) * c + k] = x[((i * c + k) * h + r) * w + s];
  return y;
}
function nchwOf(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let r = 0; r < h; r++) for (let s = 0; s < w; s++) y[((i * c + k) * h + r) * w + s] = x[((i * h + r) * w + s) * c + k];
  return y;
}

/**
 * dcgan_torch.py on `file`, one Python process for every job: PART g/g_ema maps z to NHWC images,
 * d maps NHWC images to logits.
 */
async function torchOf(file: string, dims: DcganDims, jobs: ReadonlyArray<{ part: string; input: Float32Array }>): Promise<Float32Array[]> {
  const { height: h, width: w, channels: c } = dims.shape;
  const tag = Math.random().toString(36).slice(2);
  const files = jobs.map((j, i) => ({ ...j, inFile: join(out, `${tag}-${i}.in.f32`), outFile: join(out, `${tag}-${i}.out.f32`) }));
  for (const j of files) await writeFile(j.inFile, f32Bytes(j.part === "d" ? nchwOf(j.input, [N, h, w, c]) : j.input));
  await runPython("dcgan_torch.py", [file, String(N), ...files.flatMap((j) => [j.part, j.inFile, j.outFile])]);
  return Promise.all(files.map(async (j) => {
    const y = f32Of(await readFile(j.outFile));
    return j.part === "d" ? y : nhwcOf(y, [N, c, h, w]);
  }));
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};
const std = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
};

describe.skipIf(skip)("a DCGAN in PyTorch from `evogan export`", () => {
  describe("a trained run", () => {
    const dir = () => join(out, "dc");
    const file = () => join(out, "dc.safetensors");
    beforeAll(async () => {
      const run = await evogan([
        "run", "--no-report", "--set", `outDir=${out}`, "--set", "name=dc",
        "--set", "model.family=dcgan", "--set", "model.width=8", "--set", "model.zDim=12", "--set", "task.limit=256",
        "--set", "trainer.batchSize=8", "--set", "trainer.evalBatchSize=16", "--set", "trainer.nD=1",
        "--set", "budget.iterations=4", "--set", "eval.every=2", "--set", "eval.samples=64", "--set", "eval.grid=16",
        "--set", "trainer.ema.decay=0.5", "--set", "trainer.ema.start=1",
      ]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
    });

    it("its G, its EMA copy and D, rebuilt from the README's mapping, give evogan's images and logits for the same z", async () => {
      const exported = await evogan(["export", dir(), "--format", "safetensors", "--what", "g,ema,d", "-o", file()]);
      expect(exported.stderr).toBe("");
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(/wrote .*dc\.safetensors: g, g_ema, d of dc at iteration 4/);

      const saved = (await readCheckpoint(join(dir(), "checkpoints", "final.ckpt"))) as RunCheckpoint;
      const trainer = saved.state.trainer;
      if (!isImageEganState(trainer) || !trainer.ema) throw new Error("expected an image E-GAN state with an EMA");
      const dims: DcganDims = { zDim: 12, width: 8, shape: { height: 28, width: 28, channels: 1 } };
      const z = new Rng(5).normalArray(N * dims.zDim);

      const g = evoganG(dims, trainer.parents[0].p, z);
      const ema = evoganG(dims, trainer.ema, z);
      const logits = evoganD(dims, trainer.d.p, g);
      // Both generators draw something, and different things: each comparison below means something.
      expect(std(g)).toBeGreaterThan(0.01);
      expect(maxAbsDiff(g, ema)).toBeGreaterThan(1e-3);
      const [torchG, torchEma, torchD] = await torchOf(file(), dims, [
        { part: "g", input: z },
        { part: "g_ema", input: z },
        { part: "d", input: g },
      ]);
      expect(maxAbsDiff(torchG, g)).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(torchEma, ema)).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(torchD, logits)).toBeLessThan(TOLERANCE * Math.max(1, ...logits.map(Math.abs)));
    });
  });

  it("a run whose D has spectral norm and the minibatch-stddev channel: G still maps to PyTorch; D, which the README's Discriminator is not, is refused (exit 2, no file)", async () => {
    const run = await evogan([
      "run", "--no-report", "--set", `outDir=${out}`, "--set", "name=dc-snmb",
      "--set", "model.family=dcgan", "--set", "model.width=8", "--set", "model.zDim=12", "--set", "task.limit=256",
      "--set", "model.spectralNorm=true", "--set", "model.minibatchStd=true",
      "--set", "trainer.batchSize=8", "--set", "trainer.evalBatchSize=16",
      "--set", "budget.iterations=4", "--set", "eval.every=2", "--set", "eval.samples=64", "--set", "eval.grid=16",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const dir = join(out, "dc-snmb");
    const [gOnly, withD] = await Promise.all([
      evogan(["export", dir, "--what", "g", "-o", join(out, "snmb-g.safetensors")]),
      evogan(["export", dir, "--what", "g,d", "-o", join(out, "snmb-gd.safetensors")]),
    ]);
    expect(withD.code).toBe(2);
    expect(withD.stderr).toMatch(/^evogan: invalid config: --what: dc-snmb: this DCGAN's D has model\.spectralNorm and model\.minibatchStd on, .*export g and ema\n$/);
    expect(await readFile(join(out, "snmb-gd.safetensors")).catch(() => "absent")).toBe("absent");
    expect(gOnly.stderr).toBe("");
    expect(gOnly.code).toBe(0);

    const saved = (await readCheckpoint(join(dir, "checkpoints", "final.ckpt"))) as RunCheckpoint;
    const trainer = saved.state.trainer;
    if (!isImageEganState(trainer)) throw new Error("expected an image E-GAN state");
    const dims: DcganDims = { zDim: 12, width: 8, shape: { height: 28, width: 28, channels: 1 } };
    const z = new Rng(6).normalArray(N * dims.zDim);
    const g = evoganG(dims, trainer.parents[0].p, z);
    expect(std(g)).toBeGreaterThan(0.01);
    const [torchG] = await torchOf(join(out, "snmb-g.safetensors"), dims, [{ part: "g", input: z }]);
    expect(maxAbsDiff(torchG, g)).toBeLessThan(TOLERANCE);
  });

  it("at 32×32 RGB with random weights (biases, BN gains and offsets far from their initial 0 and 1) the mapping still agrees", async () => {
    const dims: DcganDims = { zDim: 10, width: 8, shape: { height: 32, width: 32, channels: 3 } };
    const model = dcgan(dims);
    const rng = new Rng(11);
    const randomised = (init: (i: ParamInit) => void): ParamData => {
      const p = new ParamInit(new Rng(3));
      init(p);
      return Object.fromEntries(
        Object.entries(p.arrays).map(([name, { shape, data }]) => {
          const noise = rng.normalArray(data.length, 0, 0.1);
          return [name, { shape, data: data.map((v, i) => v + noise[i]) }];
        }),
      );
    };
    const g = randomised((i) => model.initG(i));
    const d = randomised((i) => model.initD(i));
    const file = join(out, "rgb32.safetensors");
    const metadata = { family: "dcgan", layout: "pytorch", z_dim: "10", width: "8", image_height: "32", image_width: "32", image_channels: "3" };
    await writeFile(file, encodeSafetensors([...mapTensors(g, dcganGeneratorMapping(dims), "g.", file), ...mapTensors(d, dcganDiscriminatorMapping(dims), "d.", file)], metadata));

    const z = rng.normalArray(N * dims.zDim);
    const images = evoganG(dims, g, z);
    const logits = evoganD(dims, d, images);
    expect(std(images)).toBeGreaterThan(0.1);
    expect(std(logits)).toBeGreaterThan(0.01);
    const [torchG, torchD] = await torchOf(file, dims, [
      { part: "g", input: z },
      { part: "d", input: images },
    ]);
    expect(maxAbsDiff(torchG, images)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(torchD, logits)).toBeLessThan(TOLERANCE * Math.max(1, ...logits.map(Math.abs)));
  });
});
