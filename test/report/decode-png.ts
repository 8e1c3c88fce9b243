import { crc32, inflateSync } from "node:zlib";

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
  readonly crc: number;
  /** CRC-32 of type + data, computed here with node:zlib, independently of the encoder. */
  readonly expectedCrc: number;
}

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
  readonly channels: number;
  readonly chunks: readonly PngChunk[];
  /** Filter byte of each scanline. */
  readonly filters: readonly number[];
  /** Unfiltered pixels, row-major. */
  readonly pixels: Buffer;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readChunks(png: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    chunks.push({
      type: typeAndData.subarray(0, 4).toString("latin1"),
      data: typeAndData.subarray(4),
      crc: png.readUInt32BE(at + 8 + length),
      expectedCrc: crc32(typeAndData),
    });
    at += 12 + length;
  }
  return chunks;
}

/** Decodes the subset the encoder writes: 8-bit RGB/RGBA, no interlace, filter type 0 rows. */
export function decodePng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("bad signature");
  const chunks = readChunks(png);
  const ihdr = chunks[0];
  if (ihdr.type !== "IHDR") throw new Error("IHDR is not first");
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const colourType = ihdr.data[9];
  const channels = colourType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  const stride = width * channels;
  const filters: number[] = [];
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    filters.push(raw[y * (stride + 1)]);
    raw.copy(pixels, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  }
  return { width, height, bitDepth: ihdr.data[8], colourType, channels, chunks, filters, pixels };
}

export function pixelAt(png: DecodedPng, x: number, y: number): number[] {
  const i = (y * png.width + x) * png.channels;
  return [...png.pixels.subarray(i, i + png.channels)];
}
