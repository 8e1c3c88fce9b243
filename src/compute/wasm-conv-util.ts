/**
 * Helpers shared by the evogan kernels for the TensorFlow.js 'wasm' backend
 * (wasm-kernels.ts, wasm-conv-kernels.ts): running registered wasm kernels on
 * TensorInfos, freeing intermediates, and marking the kernels installed here.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const BACKEND = 'wasm';

/** Marks kernelFuncs installed by evogan (Symbol.for: survives duplicate module instances). */
const WRAPPED = Symbol.for('evogan.compute.wasm-kernels');

export function tag(fn: tf.KernelFunc): tf.KernelFunc {
  Object.defineProperty(fn, WRAPPED, { value: true });
  return fn;
}

export function isOurs(cfg: tf.KernelConfig | undefined): boolean {
  return cfg != null && Reflect.has(cfg.kernelFunc, WRAPPED);
}

export function asWasm(backend: {}): BackendWasm {
  if (!(backend instanceof BackendWasm)) {
    throw new Error('evogan wasm kernels: expected the wasm backend');
  }
  return backend;
}

export function single(out: tf.TensorInfo | tf.TensorInfo[], name: string): tf.TensorInfo {
  if (Array.isArray(out)) throw new Error(`evogan wasm kernels: ${name} returned several outputs`);
  return out;
}

/**
 * Runs a kernel registered for 'wasm' on TensorInfos. The caller owns the
 * returned TensorInfo (one reference) and must `backend.disposeData` it unless
 * it is handed back to the engine.
 */
export function runKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: object = {},
): tf.TensorInfo {
  const cfg = tf.getKernel(name, BACKEND);
  if (cfg == null) throw new Error(`evogan wasm kernels: kernel '${name}' is not registered for wasm`);
  // Kernel attrs such as explicit paddings (number[][]) are wider than
  // AttributeValue; tfjs-core itself passes them through this same cast.
  return single(cfg.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }), name);
}

/** Frees intermediates created inside a kernel (each holds one reference). */
export class Scratch {
  private readonly infos: tf.TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}
  keep(info: tf.TensorInfo): tf.TensorInfo {
    this.infos.push(info);
    return info;
  }
  dispose(): void {
    for (const info of this.infos) this.backend.disposeData(info.dataId);
    this.infos.length = 0;
  }
}

export function reshape(backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runKernel('Reshape', backend, { x }, { shape });
}

export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runKernel('Transpose', backend, { x }, { perm });
}

/**
 * The whole wasm heap as float32, and `info`'s offset in it (in elements).
 * Take it after every allocation: growing the heap detaches older views.
 */
export function heapF32(backend: BackendWasm, info: tf.TensorInfo): [Float32Array, number] {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`evogan wasm kernels: expected float32, got ${info.dtype}`);
  return [new Float32Array(view.buffer), view.byteOffset >> 2];
}

/** A tf.KernelFunc's argument. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];
