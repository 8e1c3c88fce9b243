// A grid of generated images as one PNG (samples/it-NNNNNN.png of an image run), like
// torchvision's make_grid: tiles left to right, top to bottom, `pad` background pixels around
// and between them, each tile enlarged `scale` times by pixel repetition. Grayscale becomes RGB.
import { encodePng } from "./png.ts";

/** Padding and empty-slot colour: mid grey, visible against black (MNIST) and white backgrounds. */
export const GRID_BACKGROUND = 128;

export interface ImageGridOptions {
  /** Tiles per row (default ⌈√n⌉). */
  readonly cols?: number;
  /** Background pixels around and between tiles (default 2). */
  readonly pad?: number;
  /** Each image pixel becomes scale × scale pixels (default 1). */
  readonly scale?: number;
}

/** [−1, 1] → 0..255; out-of-range values are clamped, NaN (a diverged generator) shows as 0. */
export function toByte(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`renderImageGrid: ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/**
 * Renders `n` images of height × width × channels, NHWC, values in [−1, 1] (the generator's tanh
 * output), as an RGB PNG.
 */
export function renderImageGrid(images: Float32Array, n: number, height: number, width: number, channels: 1 | 3, opts: ImageGridOptions = {}): Buffer {
  positiveInt("n", n, 1);
  positiveInt("height", height, 1);
  positiveInt("width", width, 1);
  if (channels !== 1 && channels !== 3) throw new Error(`renderImageGrid: channels must be 1 or 3, got ${channels}`);
  if (images.length !== n * height * width * channels) {
    throw new Error(`renderImageGrid: ${images.length} values is not ${n}×${height}×${width}×${channels}`);
  }
  const cols = positiveInt("cols", opts.cols ?? Math.ceil(Math.sqrt(n)), 1);
  const pad = positiveInt("pad", opts.pad ?? 2, 0);
  const scale = positiveInt("scale", opts.scale ?? 1, 1);
  const rows = Math.ceil(n / cols);
  const tileW = width * scale;
  const tileH = height * scale;
  const gridW = cols * tileW + (cols + 1) * pad;
  const gridH = rows * tileH + (rows + 1) * pad;
  const rgb = new Uint8Array(gridW * gridH * 3).fill(GRID_BACKGROUND);

  for (let i = 0; i < n; i++) {
    const left = pad + (i % cols) * (tileW + pad);
    const top = pad + Math.floor(i / cols) * (tileH + pad);
    for (let y = 0; y < tileH; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < tileW; x++) {
        const src = ((i * height + sy) * width + Math.floor(x / scale)) * channels;
        const dst = ((top + y) * gridW + left + x) * 3;
        for (let c = 0; c < 3; c++) rgb[dst + c] = toByte(images[src + (channels === 1 ? 0 : c)]);
      }
    }
  }
  return encodePng(gridW, gridH, rgb);
}

/** Pairs a row in a pair grid: 8 pairs, 16 tiles. */
const PAIRS_PER_ROW = 8;

/**
 * Each of `originals` beside its counterpart in `images` (a reconstruction, a translation):
 * tiles alternate original, counterpart, at most 8 pairs a row. Both NHWC in [−1, 1], of equal size.
 */
export function renderPairGrid(originals: Float32Array, images: Float32Array, height: number, width: number, channels: 1 | 3, opts: Pick<ImageGridOptions, "scale"> = {}): Buffer {
  const per = height * width * channels;
  const count = images.length / per;
  if (originals.length !== images.length) throw new Error(`renderPairGrid: ${originals.length} original values against ${images.length}`);
  const both = new Float32Array(2 * images.length);
  for (let i = 0; i < count; i++) {
    both.set(originals.subarray(i * per, (i + 1) * per), 2 * i * per);
    both.set(images.subarray(i * per, (i + 1) * per), (2 * i + 1) * per);
  }
  return renderImageGrid(both, 2 * count, height, width, channels, { cols: Math.min(2 * PAIRS_PER_ROW, 2 * count), scale: opts.scale });
}
