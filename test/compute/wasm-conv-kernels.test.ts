// The conv-training kernels of src/compute/wasm-conv-kernels.ts (registered by
// registerWasmKernels) against the tfjs cpu backend on small shapes.
import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../../src/compute/wasm-kernels.ts';
import { expectClose, on, tensor, values } from '../helpers/cpu-reference.ts';

const REPLACED = ['Conv2DBackpropInput', 'Tile', 'AvgPoolGrad', 'MaxPoolGrad', 'ResizeNearestNeighborGrad'] as const;
type Replaced = (typeof REPLACED)[number];

/** Calls that reached wasm's own kernels, below the replacements. */
const originalCalls = new Map<Replaced, number>();

beforeAll(async () => {
  await tf.setBackend('wasm');
  for (const name of REPLACED) {
    const cfg = tf.getKernel(name, 'wasm');
    if (cfg == null) throw new Error(`${name} is not registered for wasm`);
    originalCalls.set(name, 0);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        originalCalls.set(name, (originalCalls.get(name) ?? 0) + 1);
        return cfg.kernelFunc(args);
      },
    });
  }
  registerWasmKernels();
});

/** wasm matches cpu, and wasm's own kernel `name` was (not) called, as `expectOriginal` says. */
async function expectWasmMatchesCpu(f: () => tf.Tensor, name?: Replaced, expectOriginal = false): Promise<void> {
  const cpu = await on('cpu', f);
  const before = name == null ? 0 : (originalCalls.get(name) ?? 0);
  const wasm = await on('wasm', f);
  expectClose(wasm, cpu);
  if (name != null) {
    const calls = (originalCalls.get(name) ?? 0) - before;
    if (expectOriginal) expect(calls, `wasm's own ${name} was not used`).toBeGreaterThan(0);
    else expect(calls, `wasm's own ${name} was used`).toBe(0);
  }
}

/** A non-uniform dy, so that spatial, batch or channel mix-ups show. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, tensor(y.shape, seed)));
}

describe('Conv2DBackpropInput on wasm (input gradient of conv2d, forward of conv2dTranspose)', () => {
  type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  const cases: [number[], number[], number | [number, number], Pad][] = [
    // [x shape NHWC], [filter], strides, pad
    [[2, 7, 7, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 7, 6, 3], [3, 2, 3, 4], 1, 'valid'],
    [[1, 5, 5, 2], [1, 1, 2, 3], 1, 'same'],
    [[2, 8, 8, 3], [4, 4, 3, 5], 2, 'same'],
    [[2, 7, 7, 3], [4, 4, 3, 5], 2, 'same'],
    [[2, 9, 9, 2], [3, 3, 2, 3], 2, 'valid'],
    [[2, 8, 7, 2], [5, 3, 2, 3], [2, 1], 'same'],
    [[1, 10, 10, 2], [2, 2, 2, 2], 3, 'valid'],
    [[2, 7, 7, 2], [3, 3, 2, 3], 2, [[0, 0], [1, 2], [0, 1], [0, 0]]],
    [[1, 6, 6, 2], [3, 3, 2, 2], 1, [[0, 0], [3, 0], [0, 4], [0, 0]]],
    // ≥ 16 channels take the memmove path of the phase gather.
    [[2, 6, 6, 17], [4, 4, 17, 5], 2, 'same'],
    [[2, 5, 5, 20], [3, 3, 20, 16], 1, 'same'],
    // One input channel (a discriminator's first layer); stride 1 with ≤ 4 channels takes the col2im path.
    [[2, 8, 8, 1], [4, 4, 1, 6], 2, 'same'],
    [[2, 8, 8, 1], [3, 3, 1, 6], 1, 'same'],
    [[2, 6, 7, 4], [4, 3, 4, 5], 1, 'valid'],
  ];

  it.each(cases)('input gradient of conv2d x=%j filter=%j strides=%j pad=%j matches cpu', async (xs, fs, s, pad) => {
    await expectWasmMatchesCpu(() => {
      const f = tensor(fs, 2) as tf.Tensor4D;
      return tf.grad((x: tf.Tensor) => weightedSum(tf.conv2d(x as tf.Tensor4D, f, s, pad), 3))(tensor(xs, 1));
    }, 'Conv2DBackpropInput');
  });

  it.each([
    // DCGAN generator: [n, 4, 4, 8] -> [n, 8, 8, 4] -> [n, 16, 16, 1], 4x4 stride 2 'same'.
    [[2, 4, 4, 8], [4, 4, 4, 8], [2, 8, 8, 4], 2, 'same'],
    [[2, 8, 8, 4], [4, 4, 1, 4], [2, 16, 16, 1], 2, 'same'],
    [[2, 3, 3, 5], [3, 3, 2, 5], [2, 7, 7, 2], 2, 'valid'],
    [[1, 4, 4, 3], [3, 3, 2, 3], [1, 4, 4, 2], 1, 'same'],
  ] as [number[], number[], number[], number, 'same' | 'valid'][])(
    'conv2dTranspose x=%j filter=%j to %j stride %d %s matches cpu',
    async (xs, fs, outShape, s, pad) => {
      await expectWasmMatchesCpu(
        () => tf.conv2dTranspose(tensor(xs, 4) as tf.Tensor4D, tensor(fs, 5) as tf.Tensor4D, outShape as [number, number, number, number], s, pad),
        'Conv2DBackpropInput',
      );
    },
  );

  it.each(['floor', 'round', 'ceil'] as const)('kernel with dimRoundingMode %s matches cpu', async (mode) => {
    const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 2], [3, 3, 2, 3], 2, 1, 0, mode);
    const attrs = { inputShape: [2, 8, 8, 2], strides: 2, pad: 0, dataFormat: 'NHWC', dimRoundingMode: mode };
    await expectWasmMatchesCpu(() => {
      const inputs = { dy: tensor([2, info.outHeight, info.outWidth, 3], 6), filter: tensor([3, 3, 2, 3], 7) };
      return tf.engine().runKernel('Conv2DBackpropInput', inputs, attrs) as tf.Tensor;
    }, 'Conv2DBackpropInput');
  });

  it('NCHW goes to the original kernel and matches cpu', async () => {
    const attrs = { inputShape: [2, 3, 7, 7], strides: 2, pad: 'same', dataFormat: 'NCHW' };
    await expectWasmMatchesCpu(
      () => {
        const inputs = { dy: tensor([2, 4, 4, 4], 8), filter: tensor([3, 3, 3, 4], 9) };
        return tf.engine().runKernel('Conv2DBackpropInput', inputs, attrs) as tf.Tensor;
      },
      'Conv2DBackpropInput',
      true,
    );
  });
});

describe('Tile on wasm', () => {
  it.each([
    [[2, 3], [3, 2]],
    [[1, 1, 1, 5], [2, 3, 4, 1]],
    [[3, 1, 2], [1, 4, 1]],
    [[2, 3, 1], [2, 2, 5]],
    [[4], [3]],
    [[2, 2, 2, 2], [2, 1, 3, 1]],
    [[1], [7]],
    [[2, 3], [1, 1]],
  ])('tile of %j by %j matches cpu for float32, int32 and bool', async (xs, reps) => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      await expectWasmMatchesCpu(() => {
        const v = values(xs, 10).map((x) => (dtype === 'float32' ? x : dtype === 'int32' ? Math.round(x * 100) : Number(x > 0)));
        return tf.cast(tf.tile(tf.tensor(v, xs, dtype), reps), 'float32');
      }, 'Tile');
    }
  });

  it('gradient of tf.batchNorm (which tiles its per-channel factor) matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 5, 5, 4], 11) as tf.Tensor4D;
      const loss = (m: tf.Tensor) => {
        const { variance } = tf.moments(x, [0, 1, 2]);
        return weightedSum(tf.batchNorm(x, m as tf.Tensor1D, variance, tensor([4], 12) as tf.Tensor1D, tensor([4], 13) as tf.Tensor1D), 14);
      };
      const [gx] = tf.grads((xx: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return weightedSum(tf.batchNorm(xx as tf.Tensor4D, mean, variance, tensor([4], 18) as tf.Tensor1D, tensor([4], 15) as tf.Tensor1D), 16);
      })([x]);
      return tf.concat([tf.reshape(gx, [-1]), tf.grad(loss)(tensor([4], 17))]);
    }, 'Tile');
  });
});

describe('pooling gradients on wasm', () => {
  type Pad = 'same' | 'valid' | number;
  const cases: [number[], number, number, Pad][] = [
    // [x shape], filter, stride, pad
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 7, 7, 3], 2, 2, 'valid'],
    [[2, 7, 6, 3], 2, 2, 'same'],
    [[2, 7, 7, 2], 3, 2, 'same'],
    [[2, 6, 6, 2], 3, 1, 'same'],
    [[1, 7, 7, 2], 3, 2, 1],
    [[2, 6, 6, 20], 2, 2, 'valid'],
  ];

  it.each(cases)('avgPool gradient x=%j filter %d stride %d pad %j matches cpu', async (xs, f, s, pad) => {
    await expectWasmMatchesCpu(
      () => tf.grad((x: tf.Tensor) => weightedSum(tf.avgPool(x as tf.Tensor4D, f, s, pad), 20))(tensor(xs, 21)),
      'AvgPoolGrad',
    );
  });

  it.each(cases)('maxPool gradient x=%j filter %d stride %d pad %j matches cpu (ties included)', async (xs, f, s, pad) => {
    // Half the inputs 0: windows of equal values, where the first maximum wins.
    await expectWasmMatchesCpu(
      () => tf.grad((x: tf.Tensor) => weightedSum(tf.maxPool(x as tf.Tensor4D, f, s, pad), 22))(tensor(xs, 23, 0)),
      'MaxPoolGrad',
    );
  });

  it.each(['floor', 'ceil'] as const)('MaxPoolGrad kernel with dimRoundingMode %s matches cpu', async (mode) => {
    const info = tf.backend_util.computePool2DInfo([2, 8, 8, 2], 3, 2, 1, 0, mode);
    const attrs = { filterSize: 3, strides: 2, pad: 0, dimRoundingMode: mode };
    await expectWasmMatchesCpu(() => {
      const input = tensor([2, 8, 8, 2], 24);
      const inputs = { dy: tensor(info.outShape, 25), input, output: tf.maxPool(input as tf.Tensor4D, 3, 2, 0, mode) };
      return tf.engine().runKernel('MaxPoolGrad', inputs, attrs) as tf.Tensor;
    }, 'MaxPoolGrad');
  });
});

describe('ResizeNearestNeighborGrad on wasm', () => {
  const sizes: [number[], [number, number]][] = [
    [[1, 4, 5, 3], [8, 10]],
    [[1, 7, 7, 2], [14, 14]],
    [[1, 6, 4, 3], [3, 2]],
    [[1, 5, 5, 2], [7, 12]],
    [[1, 2, 3, 18], [4, 6]],
  ];

  it.each(sizes)('gradient of resizeNearestNeighbor %j to %j matches cpu (alignCorners false and true)', async (xs, size) => {
    for (const alignCorners of [false, true]) {
      await expectWasmMatchesCpu(
        () => tf.grad((x: tf.Tensor) => weightedSum(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, alignCorners), 30))(tensor(xs, 31)),
        'ResizeNearestNeighborGrad',
      );
    }
  });

  it('batch > 1 matches the cpu gradient image by image', async () => {
    // The cpu kernel indexes dy with the images' batch stride, so it is only a
    // reference for batch 1 (tfjs-backend-cpu 4.22; the stock wasm kernel agrees
    // with the per-image result).
    const xs = [3, 4, 5, 2];
    const size: [number, number] = [8, 10];
    const dy = values([3, 8, 10, 2], 32);
    const grad = (x: tf.Tensor, w: tf.Tensor) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(xx as tf.Tensor4D, size), w)))(x);
    const cpu = await on('cpu', () => {
      const x = tf.tensor(values(xs, 33), xs);
      const w = tf.tensor(dy, [3, 8, 10, 2]);
      const parts = [0, 1, 2].map((b) => grad(tf.slice(x, [b, 0, 0, 0], [1, 4, 5, 2]), tf.slice(w, [b, 0, 0, 0], [1, 8, 10, 2])));
      return tf.concat(parts);
    });
    const wasm = await on('wasm', () => grad(tf.tensor(values(xs, 33), xs), tf.tensor(dy, [3, 8, 10, 2])));
    expectClose(wasm, cpu);
  });

  it('halfPixelCenters goes to the original kernel', async () => {
    await tf.setBackend('wasm');
    const before = originalCalls.get('ResizeNearestNeighborGrad') ?? 0;
    const attrs = { alignCorners: false, halfPixelCenters: true, size: [8, 10] };
    const out = tf.tidy(() => {
      const inputs = { images: tensor([1, 4, 5, 2], 34), dy: tensor([1, 8, 10, 2], 35) };
      return (tf.engine().runKernel('ResizeNearestNeighborGrad', inputs, attrs) as tf.Tensor).dataSync();
    });
    expect(out.length).toBe(40);
    expect((originalCalls.get('ResizeNearestNeighborGrad') ?? 0) - before).toBe(1);
  });
});

describe('conv-training kernels: registration and memory', () => {
  it('a second registerWasmKernels call keeps the installed kernels', async () => {
    await tf.setBackend('wasm');
    const before = REPLACED.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    registerWasmKernels();
    expect(REPLACED.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc)).toEqual(before);
  });

  it('repeated steps through every new kernel leak no tensors, backend buffers or wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    if (!(backend instanceof BackendWasm)) throw new Error('expected the wasm backend');
    const z = tensor([3, 4, 4, 8], 40) as tf.Tensor4D;
    const g1 = tensor([4, 4, 6, 8], 41) as tf.Tensor4D;
    const c1 = tensor([3, 3, 6, 6], 42) as tf.Tensor4D;
    const d1 = tensor([4, 4, 6, 3], 43) as tf.Tensor4D;
    const step = () => {
      const out = tf.tidy(() => {
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          let h = tf.conv2dTranspose(z, a as tf.Tensor4D, [3, 8, 8, 6], 2, 'same');
          const { mean, variance } = tf.moments(h, [0, 1, 2]);
          h = tf.relu(tf.batchNorm(h, mean, variance, tf.zeros([6]), tf.ones([6]))) as tf.Tensor4D;
          h = tf.image.resizeNearestNeighbor(h, [16, 16]);
          h = tf.conv2d(h, b as tf.Tensor4D, 1, 'same');
          h = tf.maxPool(tf.avgPool(h, 2, 2, 'valid'), 2, 2, 'valid');
          // One channel, stride 1: the col2im path of Conv2DBackpropInput.
          const one = tf.conv2d(tf.slice(h, [0, 0, 0, 0], [3, 4, 4, 1]), tf.reshape(tf.slice(tf.reshape(c, [-1]), 0, 72), [3, 3, 1, 8]) as tf.Tensor4D, 1, 'same');
          return tf.add(tf.sum(tf.square(tf.conv2d(h, c as tf.Tensor4D, 2, 'same'))), tf.sum(tf.square(one)));
        })([g1, c1, d1]);
        return tf.addN(grads.map((t) => tf.sum(t)));
      });
      out.dataSync();
      out.dispose();
    };
    for (let i = 0; i < 3; i++) step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength).toBe(heap);
    tf.dispose([z, g1, c1, d1]);
  });
});
