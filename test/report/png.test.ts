import { describe, expect, it } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32, encodePng } from "../../src/report/png.ts";
import { PNG_SIGNATURE, decodePng } from "./decode-png.ts";

describe("encodePng", () => {
  it("writes RGBA pixels that decode back byte for byte", () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const png = decodePng(encodePng(3, 2, rgba));
    expect(png).toMatchObject({ width: 3, height: 2, bitDepth: 8, colourType: 6 });
    expect([...png.pixels]).toEqual([...rgba]);
  });

  it("writes RGB when given three bytes per pixel", () => {
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const png = decodePng(encodePng(1, 2, rgb));
    expect(png).toMatchObject({ width: 1, height: 2, colourType: 2 });
    expect([...png.pixels]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("starts with the PNG signature, IHDR first, IEND last, every chunk CRC correct", () => {
    const buffer = encodePng(2, 2, new Uint8Array(16).fill(200), { text: { Title: "grid" } });
    expect(buffer.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const { chunks } = decodePng(buffer);
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "tEXt", "IDAT", "IEND"]);
    for (const c of chunks) expect(c.crc, c.type).toBe(c.expectedCrc);
    expect(chunks[1].data.toString("latin1")).toBe("Title\0grid");
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    const bytes = Buffer.from("IEND");
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });

  it("rejects a buffer that is neither RGB nor RGBA for the size", () => {
    expect(() => encodePng(2, 2, new Uint8Array(10))).toThrow(/neither RGB nor RGBA/);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/positive integers/);
  });
});
