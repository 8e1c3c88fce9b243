// How evogan lays its native kernels over wasm's (native-kernels.ts, native-conv-kernels.ts,
// native-reduce-kernels.ts, leaky-relu.ts): each family marks its kernel functions with its own
// symbol (so "is ours active?" is one lookup and registering twice is a no-op), remembers what it
// replaced and can put it back; and every native kernel reads its operands on the wasm heap.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export class KernelSwaps {
  private readonly replaced = new Map<string, tf.KernelConfig>();
  private readonly mark: symbol;

  /** `family` names the symbol: evogan.compute.<family>. */
  constructor(family: string) {
    this.mark = Symbol.for(`evogan.compute.${family}`);
  }

  /** Whether wasm's kernel `name` is currently one of this family's. */
  active(name: string): boolean {
    const k = tf.getKernel(name, "wasm");
    return k != null && Reflect.has(k.kernelFunc, this.mark);
  }

  /** Registers make(the current kernel) as wasm's `name`, unless it already is this family's; false when wasm has no `name`. */
  replace(name: string, make: (previous: tf.KernelFunc) => tf.KernelFunc): boolean {
    const current = tf.getKernel(name, "wasm");
    if (!current) return false;
    if (Reflect.has(current.kernelFunc, this.mark)) return true;
    const kernelFunc = make(current.kernelFunc);
    Object.defineProperty(kernelFunc, this.mark, { value: true });
    this.replaced.set(name, current);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...current, kernelFunc });
    return true;
  }

  /** Puts back every kernel this family replaced. */
  restore(): void {
    for (const [name, previous] of this.replaced) {
      tf.unregisterKernel(name, "wasm");
      tf.registerKernel(previous);
    }
    this.replaced.clear();
  }
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: BackendWasm, x: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(x.dataId);
  if (!data) throw new Error("native kernel: tensor data is not on the wasm backend");
  return data.memoryOffset;
}

/** The ArrayBuffer behind the wasm memory, current as of now (memory.grow replaces it: read it after makeOutput). */
export function heapOf(backend: BackendWasm, any: tf.TensorInfo): ArrayBuffer {
  return backend.typedArrayFromHeap(any).buffer as ArrayBuffer;
}
