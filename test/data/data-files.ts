// Test helpers that write real dataset files (IDX, CIFAR-10 binary) into a temporary directory.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageBytes } from "../../src/data/image-data.ts";

/** A fresh temp directory and a function that removes it (call it in afterAll). */
export function tempDir(prefix: string): { dir: string; write: (name: string, bytes: Uint8Array) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write: (name, bytes) => {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Hand-built IDX bytes: big-endian header 00 00 <type> <ndims>, int32 dims, then data. */
export function idxBytes(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setInt32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(Array.from(data), header.length);
  return out;
}

/**
 * CIFAR-10 binary records: for each image a label byte, then 1024 R, 1024 G, 1024 B bytes,
 * row-major 32×32, with pixel(i, ch, y, x) giving each byte.
 */
export function cifarBytes(labels: number[], pixel: (i: number, ch: number, y: number, x: number) => number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    const rec = i * 3073;
    out[rec] = label;
    for (let ch = 0; ch < 3; ch++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[rec + 1 + ch * 1024 + y * 32 + x] = pixel(i, ch, y, x);
  });
  return out;
}

const H = 2, W = 1, C = 2, PER = H * W * C;

/** n images; image i has pixels [i mod 256, ⌊i / 256⌋, 255, 0] and label i mod 10. */
export function indexedBytes(n: number): ImageBytes {
  const pixels = new Uint8Array(n * PER);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pixels.set([i % 256, Math.floor(i / 256), 255, 0], i * PER);
    labels[i] = i % 10;
  }
  return { count: n, height: H, width: W, channels: C, pixels, labels };
}

/** The source index an image of indexedBytes came from, read back from its [−1, 1] floats. */
export function sourceIndex(images: Float32Array, k: number): number {
  const byte = (v: number) => Math.round((v + 1) * 127.5);
  return byte(images[k * PER]) + 256 * byte(images[k * PER + 1]);
}

