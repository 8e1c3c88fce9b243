// Child process of the webgpu tests (test/compute/webgpu.test.ts): tfjs backends are global to a
// process, and Dawn keeps the event loop alive, so each check runs here and ends with process.exit.
// Prints one line `RESULT <json>` on stdout (Dawn and Vulkan write their warnings to stderr).
//
//   kernels  every kernel that one training iteration (and sampling) of each model family calls on
//            the cpu backend, captured with its exact inputs and outputs there, then replayed on
//            webgpu: forward kernels and gradient kernels alike (a gradient is kernels too). The
//            captured calls run the cpu kernels themselves; the others (which only carry the step
//            forward) run Conv2DBackpropFilter as a port of the cpu kernel's loops once that has
//            given the cpu kernel's bits on the geometry's first call (portCpuFilterGradient).
//   egan     one toy E-GAN iteration (fast path, 3 mutations, μ = 2) on cpu, then on webgpu, same seed.
//   dcgan    one DCGAN E-GAN iteration (2 mutations) on cpu, then on webgpu, same seed (the cpu side's
//            filter gradients through the same checked port: the cpu kernel's bits, in less time).
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

const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined };
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

/**
 * The cpu backend's Conv2DBackpropFilter, its loops as they are (the same order of summation into a
 * float64 accumulator, so the same float32 bits), over the raw arrays instead of TensorBuffer.get:
 * that call per multiply-add made BigGAN's and BigBiGAN's filter gradients most of this check's
 * minute (45 s of CPU; 15 s with the port). Undefined for the channels-first layout, which evogan
 * does not use (the cpu kernel runs then).
 */
function conv2DBackpropFilterPort(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Float32Array | undefined {
  const backend = args.backend as tf.KernelBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat));
  if (info.dataFormat !== "channelsLast") return undefined;
  const xs = backend.readSync(x.dataId) as Float32Array;
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dW = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let wR = 0; wR < filterHeight; ++wR) {
    const yRMin = Math.max(0, Math.ceil((top - wR) / strideHeight));
    const yRMax = Math.min(outHeight, (inHeight + top - wR) / strideHeight);
    for (let wC = 0; wC < filterWidth; ++wC) {
      const yCMin = Math.max(0, Math.ceil((left - wC) / strideWidth));
      const yCMax = Math.min(outWidth, (inWidth + left - wC) / strideWidth);
      for (let d1 = 0; d1 < inChannels; ++d1) {
        for (let d2 = 0; d2 < outChannels; ++d2) {
          let dotProd = 0;
          for (let b = 0; b < batchSize; ++b) {
            for (let yR = yRMin; yR < yRMax; ++yR) {
              const xRow = (b * inHeight + wR + yR * strideHeight - top) * inWidth;
              const yRow = (b * outHeight + yR) * outWidth;
              for (let yC = yCMin; yC < yCMax; ++yC) {
                dotProd += xs[(xRow + wC + yC * strideWidth - left) * inChannels + d1] * dys[(yRow + yC) * outChannels + d2];
              }
            }
          }
          dW[((wR * filterWidth + wC) * inChannels + d1) * outChannels + d2] = dotProd;
        }
      }
    }
  }
  return dW;
}

/** What the cpu backend adds to KernelBackend's interface: a kernel's result from its values. */
interface CpuBackend extends tf.KernelBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** The port's record: the calls it was checked on (each geometry's first), how many of those gave other bits, and the calls it stood in for. */
const filterPort = { checked: 0, mismatched: 0, substituted: 0 };

/**
 * Makes conv2DBackpropFilterPort the cpu backend's Conv2DBackpropFilter: the first call of each
 * geometry (input shapes and attributes) runs the cpu kernel, whose result is returned and the
 * port checked against bit for bit; later calls of a geometry it matched run the port.
 */
function portCpuFilterGradient(): void {
  const config = tf.getKernel("Conv2DBackpropFilter", "cpu")!;
  const inner = config.kernelFunc;
  const checked = new Set<string>();
  tf.unregisterKernel(config.kernelName, "cpu");
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const ported = conv2DBackpropFilterPort(args);
      if (!ported) return inner(args);
      const backend = args.backend as CpuBackend;
      const geometry = JSON.stringify([Object.entries(args.inputs).map(([n, t]) => [n, t?.shape]), args.attrs ?? {}]);
      if (checked.has(geometry)) {
        filterPort.substituted++;
        return backend.makeTensorInfo((args.attrs as unknown as { filterShape: number[] }).filterShape, "float32", ported);
      }
      const out = inner(args) as tf.TensorInfo;
      const want = backend.readSync(out.dataId) as Float32Array;
      filterPort.checked++;
      if (want.length === ported.length && want.every((v, i) => Object.is(v, ported[i]))) checked.add(geometry);
      else filterPort.mismatched++;
      return out;
    },
  });
}

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
  // Under the capture: a captured call has a new signature, so a new geometry, and runs the cpu kernel itself.
  portCpuFilterGradient();
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
  return { backend: tf.getBackend(), perFamily, rows, filterPort };
}

// ---- main ---------------------------------------------------------------------------------------

const mode = process.argv[2];
try {
  if (mode === "open") {
    await useBackend("webgpu");
    // One product on the device, read back: the adapter gave a working device, not only a name.
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    result({ backend: tf.getBackend(), adapter: webgpuAdapter(), product: Array.from(await tf.matMul(a, a).data()) });
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
    portCpuFilterGradient();
    result({ ...(await compareTrainers((state) => makeImageTrainer(imageConfig("dcgan", ["minimax", "least-squares"]), state), 2)), filterPort });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  result({ error: { tag: isEvoganError(e) ? e._tag : undefined, message: String((e as Error).message ?? e) } });
}
