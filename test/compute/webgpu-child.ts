// Child process of the webgpu tests (test/compute/webgpu.test.ts): tfjs backends are global to a
// process, and Dawn keeps the event loop alive, so each check runs here and ends with process.exit.
// Prints one line `RESULT <json>` on stdout (Dawn and Vulkan write their warnings to stderr).
//
//   kernels  every kernel that one training iteration (and sampling) of each model family calls on
//            the cpu backend, captured with its exact inputs and outputs there, then replayed on
//            webgpu: forward kernels and gradient kernels alike (a gradient is kernels too).
//   egan     one toy E-GAN iteration (fast path, 3 mutations, μ = 2) on cpu, then on webgpu, same seed.
//   dcgan    one DCGAN E-GAN iteration (2 mutations) on cpu, then on webgpu, same seed.
//   open     useBackend("webgpu") only: the adapter, or the error's tag and message.
//   list     the adapters Dawn lists (evogan devices).
//   auto     useBackend("auto") as if a GPU device node existed: which backend wins.
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/compute/backend.ts";
import { decodeRunConfig, type ImageModelConfig } from "../../src/config/run-config.ts";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import { isEvoganError } from "../../src/errors.ts";
import { EganFastTrainer } from "../../src/trainers/egan-fast.ts";
import type { EganOptions, EganStateData } from "../../src/trainers/egan-trainer.ts";
import { makeImageTrainer } from "../../src/trainers/image-trainer.ts";
import type { Trainer, TrainerState } from "../../src/trainers/trainer.ts";
import { iterateOnBoth, stateArrays } from "../../src/trainers/backend-agreement.ts";
import { Rng } from "../../src/util/rng.ts";
import { listWebgpuAdapters, webgpuAdapter } from "../../src/compute/webgpu-backend.ts";

const result = (value: unknown): never => {
  process.stdout.write(`RESULT ${JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}\n`);
  process.exit(0);
};

const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
const toyOptions: EganOptions = {
  zDim: 2,
  gHidden: [16, 16],
  dHidden: [16, 16],
  mutations: ["minimax", "heuristic", "least-squares"],
  mu: 2,
  gamma: 0.5,
  nD: 2,
  batchSize: 16,
  evalBatchSize: 32,
  g: adam,
  d: adam,
  dataset: toyDataset("ring8"),
  seed: 5,
};

function imageConfig(family: ImageModelConfig["family"], mutations: string[]) {
  const c = decodeRunConfig({
    model: { family, width: 8, zDim: 8, ...(family === "bigbigan" ? { hidden: 16 } : {}) },
    task: { dataset: "mnist", limit: 64 },
    trainer: { mutations, mu: 1, batchSize: 8, evalBatchSize: 8, nD: 1, g: { lr: 1e-3 }, d: { lr: 1e-3 }, ...(family === "dcgan" ? {} : { ema: { decay: 0.9, start: 0 } }) },
  });
  if (c.model.family === "mlp") throw new Error("expected an image family");
  return { task: c.task, model: c.model, trainer: c.trainer, seed: 3 };
}

/** One iteration on cpu and one on webgpu, both from the same mid-training state made on cpu (src/trainers/backend-agreement.ts). */
async function compareTrainers(make: (state?: TrainerState) => Trainer<TrainerState>, warmup: number) {
  const { reference: cpu, candidate: gpu } = await iterateOnBoth(make, warmup, useBackend, "cpu", "webgpu");
  const a = stateArrays(cpu.state);
  const b = stateArrays(gpu.state);
  let maxAbs = 0;
  let maxRef = 0;
  a.floats.forEach((arr, i) => {
    for (let k = 0; k < arr.length; k++) {
      maxAbs = Math.max(maxAbs, Math.abs(arr[k] - b.floats[i][k]));
      maxRef = Math.max(maxRef, Math.abs(arr[k]));
    }
  });
  return { backend: tf.getBackend(), cpu: cpu.records, webgpu: gpu.records, state: { sameLayout: a.rest === b.rest, arrays: a.floats.length, maxAbs, maxRef } };
}

// ---- kernels ------------------------------------------------------------------------------------

interface Captured {
  readonly kernel: string;
  readonly inputs: Array<{ name: string; shape: number[]; dtype: tf.DataType; values: tf.TypedArray | string[] }>;
  readonly attrs: Record<string, unknown>;
  readonly outputs: Array<{ shape: number[]; dtype: tf.DataType; values: tf.TypedArray | string[] }>;
}

/** Which kernels each family called (by the family running when they were called). */
const used = new Map<string, Set<string>>();
let family = "";

/** Wraps every cpu kernel to keep its first call per input-shape signature (at most 2 per kernel). */
function captureCpuKernels(): Captured[] {
  const calls: Captured[] = [];
  const seen = new Map<string, Set<string>>();
  for (const config of tf.getKernelsForBackend("cpu")) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, "cpu");
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const out = inner(args);
        used.get(family)?.add(config.kernelName);
        const backend = args.backend as tf.KernelBackend;
        const signature = Object.entries(args.inputs).map(([n, t]) => `${n}:${t?.shape.join("x")}:${t?.dtype}`).join(",");
        const sigs = seen.get(config.kernelName) ?? new Set<string>();
        seen.set(config.kernelName, sigs);
        if (!sigs.has(signature) && sigs.size < 2) {
          sigs.add(signature);
          const read = (t: tf.TensorInfo) => ({ shape: t.shape.slice(), dtype: t.dtype, values: (t.dtype === "string" ? [] : (backend.readSync(t.dataId) as tf.TypedArray).slice()) as tf.TypedArray | string[] });
          calls.push({
            kernel: config.kernelName,
            inputs: Object.entries(args.inputs).filter(([, t]) => t !== undefined).map(([name, t]) => ({ name, ...read(t!) })),
            attrs: structuredClone(args.attrs ?? {}) as Record<string, unknown>,
            outputs: (Array.isArray(out) ? out : [out]).map(read),
          });
        }
        return out;
      },
    });
  }
  return calls;
}

async function kernels() {
  await useBackend("cpu");
  const calls = captureCpuKernels();
  const families: Array<[string, () => Trainer<TrainerState> & { sample?: unknown }]> = [
    ["mlp", () => new EganFastTrainer(toyOptions)],
    ["dcgan", () => makeImageTrainer(imageConfig("dcgan", ["minimax", "heuristic"]))],
    ["biggan", () => makeImageTrainer(imageConfig("biggan", ["hinge", "least-squares"]))],
    ["bigbigan", () => makeImageTrainer(imageConfig("bigbigan", ["hinge", "heuristic"]))],
  ];
  for (const [name, make] of families) {
    family = name;
    used.set(name, new Set());
    const t = make();
    await t.step();
    await t.flush();
    if (t instanceof EganFastTrainer) await t.sample(64, new Rng(1));
    else await (t as ReturnType<typeof makeImageTrainer>).sample(8, new Rng(1));
    t.dispose();
  }
  const perFamily = Object.fromEntries([...used].map(([name, kernels]) => [name, [...kernels].sort()]));
  await useBackend("webgpu");
  const rows: Array<{ kernel: string; shapes: string; maxAbs: number; maxRef: number; nanMismatch: number; error?: string }> = [];
  for (const c of calls) {
    const shapes = c.inputs.map((i) => `${i.name}[${i.shape}]`).join(" ");
    try {
      const inputs: Record<string, tf.Tensor> = {};
      for (const i of c.inputs) inputs[i.name] = tf.tensor(i.values as tf.TypedArray, i.shape, i.dtype);
      // Variadic kernels (AddN, Concat, Pack) take their inputs as an array, as tf.addN passes them.
      const variadic = c.inputs.length > 0 && c.inputs.every((i) => /^\d+$/.test(i.name));
      const args = variadic ? c.inputs.map((i) => inputs[i.name]) : inputs;
      const out = tf.engine().runKernel(c.kernel, args as unknown as tf.NamedTensorMap, c.attrs as tf.NamedAttrMap);
      const outs = Array.isArray(out) ? out : [out as tf.Tensor];
      let maxAbs = 0;
      let maxRef = 0;
      let nanMismatch = 0;
      for (let o = 0; o < c.outputs.length; o++) {
        const want = c.outputs[o].values as tf.TypedArray;
        const got = (await outs[o].data()) as tf.TypedArray;
        if (got.length !== want.length) throw new Error(`output ${o}: ${got.length} values, cpu gave ${want.length}`);
        for (let k = 0; k < want.length; k++) {
          const w = Number(want[k]);
          const g = Number(got[k]);
          if (Number.isNaN(w) || Number.isNaN(g)) {
            if (Number.isNaN(w) !== Number.isNaN(g)) nanMismatch++;
            continue;
          }
          if (!Number.isFinite(w) || !Number.isFinite(g)) {
            if (w !== g) nanMismatch++;
            continue;
          }
          maxAbs = Math.max(maxAbs, Math.abs(w - g));
          maxRef = Math.max(maxRef, Math.abs(w));
        }
      }
      tf.dispose([...Object.values(inputs), ...outs]);
      rows.push({ kernel: c.kernel, shapes, maxAbs, maxRef, nanMismatch });
    } catch (e) {
      rows.push({ kernel: c.kernel, shapes, maxAbs: NaN, maxRef: NaN, nanMismatch: 0, error: String((e as Error).message ?? e).split("\n")[0] });
    }
  }
  return { backend: tf.getBackend(), perFamily, rows };
}

// ---- main ---------------------------------------------------------------------------------------

const mode = process.argv[2];
try {
  if (mode === "open") {
    await useBackend("webgpu");
    result({ backend: tf.getBackend(), adapter: webgpuAdapter() });
  } else if (mode === "list") {
    result({ adapters: await listWebgpuAdapters() });
  } else if (mode === "auto") {
    // as on a machine with a GPU device node: webgpu is probed, and a CPU adapter must not win
    const backend = await useBackend("auto", undefined, { gpuPresent: () => true });
    result({ backend, active: tf.getBackend() });
  } else if (mode === "kernels") {
    result(await kernels());
  } else if (mode === "egan") {
    result(await compareTrainers((state) => new EganFastTrainer(toyOptions, state as EganStateData | undefined), 4));
  } else if (mode === "dcgan") {
    result(await compareTrainers((state) => makeImageTrainer(imageConfig("dcgan", ["minimax", "least-squares"]), state), 2));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  result({ error: { tag: isEvoganError(e) ? e._tag : undefined, message: String((e as Error).message ?? e) } });
}
