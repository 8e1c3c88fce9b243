import { deflateSync } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_TYPE_RGB = 2;
const COLOUR_TYPE_RGBA = 6;

const CRC_TABLE = makeCrcTable();

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 (ISO 3309 / ITU-T V.42), as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

function ihdr(width: number, height: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = colourType;
  data[10] = 0; // compression: deflate
  data[11] = 0; // filter method 0
  data[12] = 0; // no interlace
  return data;
}

/** tEXt is Latin-1 only; anything outside it (or a NUL, the keyword separator) becomes '?'. */
function textChunkData(keyword: string, text: string): Buffer {
  const latin1 = (s: string) => s.replace(/[^\x01-\xff]/g, "?");
  return Buffer.concat([Buffer.from(latin1(keyword).slice(0, 79), "latin1"), Buffer.from([0]), Buffer.from(latin1(text), "latin1")]);
}

/** Prefixes each scanline with filter type 0 (None), the layout IDAT expects. */
function scanlines(width: number, height: number, channels: number, pixels: Uint8Array): Buffer {
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return raw;
}

export interface PngOptions {
  /** tEXt chunks, e.g. { Title: "..." }. */
  readonly text?: Readonly<Record<string, string>>;
}

/**
 * Encodes 8-bit pixels, row-major, as a PNG. The channel count follows from the buffer length:
 * width·height·4 bytes is RGBA, width·height·3 is RGB.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array, options: PngOptions = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  const pixels = width * height;
  const channels = rgba.length === pixels * 4 ? 4 : rgba.length === pixels * 3 ? 3 : 0;
  if (channels === 0) {
    throw new Error(`encodePng: ${rgba.length} bytes is neither RGB nor RGBA for ${width}x${height}`);
  }
  const colourType = channels === 4 ? COLOUR_TYPE_RGBA : COLOUR_TYPE_RGB;
  const textChunks = Object.entries(options.text ?? {}).map(([k, v]) => chunk("tEXt", textChunkData(k, v)));
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr(width, height, colourType)),
    ...textChunks,
    chunk("IDAT", deflateSync(scanlines(width, height, channels, rgba))),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
