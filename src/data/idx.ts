// Reader for the IDX format of the MNIST files (LeCun et al.): a big-endian header — two zero bytes,
// a type code (0x08 = unsigned byte, the only one supported here), the number of dimensions — then
// one big-endian int32 per dimension, then the data. Images are 0x00000803 ([n, rows, cols]),
// labels 0x00000801 ([n]). Gzipped files (.gz, detected by the 0x1f 0x8b magic) are inflated first.
// loadIdxImageData pairs an image file with its label file (MNIST, Fashion-MNIST) as ImageData.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { imageDataFromBytes, type ImageData, type ImageSelection } from "./image-data.ts";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major, 0..255. */
  pixels: Uint8Array;
}

const UBYTE = 0x08;

/** Parse IDX bytes (optionally gzipped); `name` labels every error (normally the file path). */
export function readIdx(bytes: Uint8Array, name: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = new Uint8Array(gunzipSync(buf));
    } catch (e) {
      throw new Error(`${name}: gzip data is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (buf.length < 4) throw new Error(`${name}: truncated IDX file (${buf.length} bytes, header needs at least 4)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const hex = `0x${magic.toString(16).padStart(8, "0")}`;
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`${name}: not an IDX file (bad magic ${hex})`);
  if (buf[2] !== UBYTE) throw new Error(`${name}: unsupported IDX data type 0x${buf[2].toString(16).padStart(2, "0")} (magic ${hex}; only unsigned bytes, 0x08, are supported)`);
  const ndims = buf[3];
  if (ndims < 1) throw new Error(`${name}: IDX header declares 0 dimensions (magic ${hex})`);
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) throw new Error(`${name}: truncated IDX header (${buf.length} bytes, ${ndims} dimensions need ${headerLen})`);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const dim = view.getInt32(4 + 4 * i, false);
    if (dim < 0) throw new Error(`${name}: negative IDX dimension ${dim} at index ${i}`);
    dims.push(dim);
    size *= dim;
  }
  const have = buf.length - headerLen;
  if (have < size) throw new Error(`${name}: truncated IDX data: dims [${dims.join(", ")}] need ${size} bytes, file has ${have}`);
  if (have > size) throw new Error(`${name}: IDX dims [${dims.join(", ")}] need ${size} bytes but file has ${have} (trailing data)`);
  return { dims, data: buf.subarray(headerLen, headerLen + size) };
}

function readIdxFile(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? String(e.code) : "";
    if (code === "ENOENT") throw new Error(`${file}: IDX file not found`);
    throw new Error(`${file}: cannot read IDX file (${e instanceof Error ? e.message : String(e)})`);
  }
  return readIdx(bytes, file);
}

/** Load an IDX image file (magic 0x00000803, dims [n, rows, cols]). */
export function loadIdxImages(file: string): IdxImages {
  const { dims, data } = readIdxFile(file);
  if (dims.length !== 3) throw new Error(`${file}: expected an IDX image file with 3 dims [n, rows, cols] (magic 0x00000803), got ${dims.length} dims`);
  const [count, rows, cols] = dims;
  return { count, rows, cols, pixels: data };
}

/** Load an IDX label file (magic 0x00000801, dims [n]). */
export function loadIdxLabels(file: string): Uint8Array {
  const { dims, data } = readIdxFile(file);
  if (dims.length !== 1) throw new Error(`${file}: expected an IDX label file with 1 dim [n] (magic 0x00000801), got ${dims.length} dims`);
  return data;
}

/**
 * An IDX image file and its label file (same count, grayscale) → ImageData named `name`
 * (e.g. "mnist/train"), shuffled/limited by `sel`. Errors name the file at fault.
 */
export function loadIdxImageData(name: string, imagesFile: string, labelsFile: string, numClasses: number, sel: ImageSelection = {}): ImageData {
  const img = loadIdxImages(imagesFile);
  const labels = loadIdxLabels(labelsFile);
  if (labels.length !== img.count) {
    throw new Error(`${name}: ${imagesFile} has ${img.count} images but ${labelsFile} has ${labels.length} labels`);
  }
  return imageDataFromBytes(name, { count: img.count, height: img.rows, width: img.cols, channels: 1, pixels: img.pixels, labels }, numClasses, sel, labelsFile);
}

/** Bytes 0..255 → Float32 in [−1, 1] (x / 127.5 − 1), the range of a tanh generator. */
export function toSignedUnit(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 127.5 - 1;
  return out;
}
