import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../../src/compute/wasm-kernels.ts';
import { expectClose, on, tensor, values } from '../helpers/cpu-reference.ts';

/** What wasm's own BatchMatMul/_FusedMatMul were asked to compute (recorded below the wrappers). */
interface KernelCall {
  kernel: string;
  transposeA: boolean;
  transposeB: boolean;
  batchA: number;
  batchB: number;
}
const calls: KernelCall[] = [];

function spyOnWasmKernel(name: string): void {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg == null) throw new Error(`${name} is not registered for wasm`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...cfg,
    kernelFunc: (args) => {
      const { a, b } = args.inputs;
      const attrs = args.attrs ?? {};
      calls.push({
        kernel: name,
        transposeA: attrs.transposeA === true,
        transposeB: attrs.transposeB === true,
        batchA: a == null ? -1 : tf.util.sizeFromShape(a.shape.slice(0, -2)),
        batchB: b == null ? -1 : tf.util.sizeFromShape(b.shape.slice(0, -2)),
      });
      return cfg.kernelFunc(args);
    },
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  // The spies sit under the wrappers, so they see what the wrappers hand to wasm.
  spyOnWasmKernel('BatchMatMul');
  spyOnWasmKernel('_FusedMatMul');
  registerWasmKernels();
});

/** Size of the wasm linear memory. */
function heapBytes(backend: BackendWasm): number {
  // The emscripten module's HEAPU8 is untyped here (@types/emscripten is not in tsconfig "types").
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength;
}

async function expectWasmMatchesCpu(f: () => tf.Tensor): Promise<void> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expectClose(wasm, cpu);
}

describe('Conv2DBackpropFilter on wasm', () => {
  type Pad = 'same' | 'valid';
  const cases: [number[], number[], number | [number, number], Pad][] = [
    // [x shape NHWC], [filter shape], strides, pad
    [[1, 7, 7, 1], [3, 3, 1, 2], 1, 'same'],
    [[1, 7, 7, 4], [4, 4, 4, 1], 1, 'valid'],
    [[3, 7, 7, 3], [3, 3, 3, 5], 2, 'same'],
    [[3, 7, 7, 2], [4, 4, 2, 3], 2, 'valid'],
    [[3, 7, 7, 5], [4, 4, 5, 4], 2, 'same'],
    [[3, 8, 6, 5], [4, 3, 5, 2], [2, 1], 'same'],
    [[2, 9, 9, 2], [3, 3, 2, 2], 3, 'valid'],
  ];

  it.each(cases)('filter gradient of conv2d x=%j filter=%j strides=%j pad=%s matches cpu', async (xs, fs, s, pad) => {
    await expectWasmMatchesCpu(() => {
      const x = tensor(xs, 1) as tf.Tensor4D;
      const loss = (f: tf.Tensor) => {
        const y = tf.conv2d(x, f as tf.Tensor4D, s, pad);
        // A non-uniform dy catches spatial/batch mix-ups that a plain sum would hide.
        return tf.sum(tf.mul(y, tensor(y.shape, 2)));
      };
      return tf.grad(loss)(tensor(fs, 3));
    });
  });

  it('filter gradient of conv2dTranspose (generator upsampling) matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([3, 4, 4, 5], 4) as tf.Tensor4D;
      const loss = (f: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(x, f as tf.Tensor4D, [3, 7, 7, 2], 2, 'same')));
      return tf.grad(loss)(tensor([4, 4, 2, 5], 5));
    });
  });

  it('filter gradient with explicit asymmetric padding matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 7, 7, 2], 6) as tf.Tensor4D;
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [0, 1], [0, 0]];
      const loss = (f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, pad)));
      return tf.grad(loss)(tensor([3, 3, 2, 3], 7));
    });
  });

  it.each(['floor', 'round', 'ceil'] as const)(
    'kernel with dimRoundingMode %s (window overhanging the input) matches cpu',
    async (mode) => {
      const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 2], [3, 3, 2, 3], 2, 1, 0, mode);
      const attrs = { strides: 2, pad: 0, dataFormat: 'NHWC', dimRoundingMode: mode, filterShape: [3, 3, 2, 3] };
      await expectWasmMatchesCpu(() => {
        const inputs = { x: tensor([2, 8, 8, 2], 8), dy: tensor([2, info.outHeight, info.outWidth, 3], 9) };
        return tf.engine().runKernel('Conv2DBackpropFilter', inputs, attrs) as tf.Tensor;
      });
    },
  );

  it('kernel with NCHW data format matches cpu', async () => {
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] };
    await expectWasmMatchesCpu(() => {
      const inputs = { x: tensor([2, 3, 7, 7], 10), dy: tensor([2, 4, 4, 4], 11) };
      return tf.engine().runKernel('Conv2DBackpropFilter', inputs, attrs) as tf.Tensor;
    });
  });
});

describe('BatchMatMul on wasm', () => {
  // Shared dim 70 > 48, wasm's block size on its slow path.
  const combos: [boolean, boolean][] = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  const stored = (batch: number[], rows: number, cols: number, transposed: boolean) =>
    transposed ? [...batch, cols, rows] : [...batch, rows, cols];

  it.each(combos)('2-D matMul with transposeA=%s transposeB=%s matches cpu', async (ta, tb) => {
    await expectWasmMatchesCpu(() =>
      tf.matMul(tensor(stored([], 9, 70, ta), 12), tensor(stored([], 70, 5, tb), 13), ta, tb),
    );
  });

  const batches: [number[], number[]][] = [
    [[3], [3]],
    [[1], [3]],
    [[3], [1]],
    [[3], []],
    [[], [3]],
    [[2, 3], [2, 3]],
  ];
  for (const [ba, bb] of batches) {
    it.each(combos)(`batched matMul a batch ${JSON.stringify(ba)} b batch ${JSON.stringify(bb)} transposeA=%s transposeB=%s matches cpu`, async (ta, tb) => {
      await expectWasmMatchesCpu(() =>
        tf.matMul(tensor(stored(ba, 6, 70, ta), 14), tensor(stored(bb, 70, 4, tb), 15), ta, tb),
      );
    });
  }

  it('two-sided batch broadcasting ([2,1] x [1,3]) matches per-slice cpu products', async () => {
    // tfjs' own cpu/wasm kernels return only max(batchA, batchB) slices here, so
    // the reference is assembled slice by slice.
    const a = values([2, 1, 5, 70], 16);
    const b = values([1, 3, 70, 4], 17);
    const cpu = await on('cpu', () => {
      const as = tf.tensor(a, [2, 1, 5, 70]);
      const bs = tf.tensor(b, [1, 3, 70, 4]);
      const rows: tf.Tensor[] = [];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          rows.push(tf.matMul(tf.squeeze(tf.slice(as, [i, 0, 0, 0], [1, 1, 5, 70]), [0, 1]), tf.squeeze(tf.slice(bs, [0, j, 0, 0], [1, 1, 70, 4]), [0, 1])));
        }
      }
      return tf.reshape(tf.stack(rows), [2, 3, 5, 4]);
    });
    const wasm = await on('wasm', () => tf.matMul(tf.tensor(a, [2, 1, 5, 70]), tf.tensor(b, [1, 3, 70, 4])));
    expectClose(wasm, cpu);
  });

  it('transposed and batched products reach wasm only as batch-1 non-transposed matmuls', async () => {
    await tf.setBackend('wasm');
    calls.length = 0;
    tf.tidy(() => {
      tf.matMul(tensor([70, 9], 18), tensor([5, 70], 19), true, true);
      tf.matMul(tensor([3, 6, 70], 20), tensor([3, 4, 70], 21), false, true);
      tf.matMul(tensor([3, 70, 6], 22), tensor([70, 4], 23), true, false);
      tf.fused.matMul({ a: tensor([3, 6, 70], 24), b: tensor([4, 70], 25), transposeB: true, bias: tensor([4], 26) });
    });
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const c of calls) {
      expect(c).toMatchObject({ transposeA: false, transposeB: false, batchA: 1, batchB: 1 });
    }
  });
});

describe('_FusedMatMul on wasm', () => {
  const combos: [boolean, boolean][] = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];

  it.each(combos)('bias + relu with transposeA=%s transposeB=%s matches cpu', async (ta, tb) => {
    await expectWasmMatchesCpu(() =>
      tf.fused.matMul({
        a: tensor(ta ? [70, 9] : [9, 70], 30),
        b: tensor(tb ? [5, 70] : [70, 5], 31),
        transposeA: ta,
        transposeB: tb,
        bias: tensor([5], 32),
        activation: 'relu',
      }),
    );
  });

  it.each([[[3], [3]], [[3], [1]], [[1], [3]]])('batched a %j x b %j with bias + relu matches cpu', async (ba, bb) => {
    await expectWasmMatchesCpu(() =>
      tf.fused.matMul({
        a: tensor([...ba, 6, 70], 33),
        b: tensor([...bb, 5, 70], 34),
        transposeB: true,
        bias: tensor([5], 35),
        activation: 'relu',
      }),
    );
  });

  it.each(['linear', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const)(
    'transposed matMul with bias and %s activation matches cpu',
    async (activation) => {
      await expectWasmMatchesCpu(() =>
        tf.fused.matMul({
          a: tensor([70, 9], 36),
          b: tensor([5, 70], 37),
          transposeA: true,
          transposeB: true,
          bias: tensor([5], 38),
          activation,
          preluActivationWeights: activation === 'prelu' ? tensor([5], 39) : undefined,
          leakyreluAlpha: 0.3,
        }),
      );
    },
  );

  it('broadcast bias shapes ([1] and [m, n]) match cpu', async () => {
    for (const biasShape of [[1], [9, 5]]) {
      await expectWasmMatchesCpu(() =>
        tf.fused.matMul({ a: tensor([9, 70], 40), b: tensor([70, 5], 41), bias: tensor(biasShape, 42), activation: 'relu' }),
      );
    }
  });
});

describe('registerWasmKernels', () => {
  it('is idempotent: a second call keeps the installed kernels', async () => {
    await tf.setBackend('wasm');
    const names = ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropFilter'];
    const before = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    registerWasmKernels();
    const after = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    expect(before.every((f) => f != null)).toBe(true);
    expect(after).toEqual(before);
    // Still one wrapper deep: the wasm kernels below see one call per product.
    calls.length = 0;
    tf.tidy(() => tf.matMul(tensor([4, 70], 43), tensor([70, 3], 44)).dataSync());
    expect(calls.length).toBe(1);
  });

  it('repeated conv and matmul gradients leak no tensors, backend buffers or wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    if (!(backend instanceof BackendWasm)) throw new Error('expected the wasm backend');
    const x = tensor([3, 9, 9, 4], 50) as tf.Tensor4D;
    const f = tensor([4, 4, 4, 6], 51) as tf.Tensor4D;
    const a = tensor([48, 70], 52);
    const w = tensor([70, 12], 53);
    const bias = tensor([12], 54);
    const step = () => {
      const out = tf.tidy(() => {
        const [gf] = tf.grads((ff: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, ff as tf.Tensor4D, 2, 'same'))))([f]);
        const [gw] = tf.grads((ww: tf.Tensor) => tf.sum(tf.relu(tf.matMul(a, ww))))([w]);
        const y = tf.fused.matMul({ a, b: w, bias, activation: 'relu' });
        const z = tf.matMul(tensor([3, 5, 70], 55), tensor([3, 12, 70], 56), false, true);
        const zt = tf.fused.matMul({ a: tensor([70, 5], 57), b: w, transposeA: true, bias, activation: 'relu' });
        return tf.addN([tf.sum(gf), tf.sum(gw), tf.sum(y), tf.sum(z), tf.sum(zt)]);
      });
      out.dataSync();
      out.dispose();
    };
    for (let i = 0; i < 3; i++) step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const heap = heapBytes(backend);
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect(heapBytes(backend)).toBe(heap);
    tf.dispose([x, f, a, w, bias]);
  });
});
