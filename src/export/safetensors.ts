// The safetensors format (Hugging Face; https://github.com/huggingface/safetensors), written by
// hand since it is this simple:
//   8 bytes   N, the header's length in bytes, an unsigned 64-bit little-endian integer
//   N bytes   a JSON object: per tensor {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}
//             (byte offsets into the data that follows), plus "__metadata__": {string: string};
//             padded with spaces so that the data starts on an 8-byte boundary
//   the data  every tensor's values, little-endian, row-major, back to back in header order
// The reference reader refuses gaps, overlaps, duplicate names and non-string metadata values;
// so does encodeSafetensors, before writing a byte.

/** One float32 tensor: its name, its shape and its values in row-major order. */
export interface SafeTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The data section starts on a multiple of this (the reference writer pads the header to it). */
const ALIGNMENT = 8;
const F32_BYTES = 4;

/** A safetensors file of `tensors` (in this order) and `metadata`. */
export function encodeSafetensors(tensors: readonly SafeTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__" || t.name === "" || Object.hasOwn(header, t.name)) throw new Error(`safetensors: tensor name ${JSON.stringify(t.name)} is reserved, empty or taken twice`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || size !== t.data.length) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    header[t.name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + size * F32_BYTES] };
    offset += size * F32_BYTES;
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const headerLength = Math.ceil(json.length / ALIGNMENT) * ALIGNMENT;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    writeFloat32LE(view, at, t.data);
    at += t.data.length * F32_BYTES;
  }
  return out;
}

const littleEndianHost = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

function writeFloat32LE(view: DataView, at: number, data: Float32Array): void {
  if (littleEndianHost) {
    new Uint8Array(view.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  for (let i = 0; i < data.length; i++) view.setFloat32(at + i * F32_BYTES, data[i], true);
}
