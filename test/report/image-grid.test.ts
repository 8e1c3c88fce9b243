// renderImageGrid: decoded with the independent decoder and checked pixel by pixel.
import { describe, expect, it } from "vitest";
import { GRID_BACKGROUND, renderImageGrid, toByte } from "../../src/report/image-grid.ts";
import { decodePng, pixelAt } from "./decode-png.ts";

const BG = [GRID_BACKGROUND, GRID_BACKGROUND, GRID_BACKGROUND];

/** n images of h×w×c where value (i, y, x, ch) is f(i, y, x, ch). */
function images(n: number, h: number, w: number, c: number, f: (i: number, y: number, x: number, ch: number) => number): Float32Array {
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[((i * h + y) * w + x) * c + ch] = f(i, y, x, ch);
  return out;
}

describe("toByte", () => {
  it("maps −1, 0, 1 to 0, 128, 255, clamps, and shows NaN as 0", () => {
    expect([-1, 0, 1, -3, 2, NaN].map(toByte)).toEqual([0, 128, 255, 0, 255, 0]);
  });
});

describe("renderImageGrid", () => {
  // Three 2×3 grayscale images, image i uniformly (i − 1): black, grey, white; 2 columns, pad 1.
  const gray = decodePng(renderImageGrid(images(3, 2, 3, 1, (i) => i - 1), 3, 2, 3, 1, { cols: 2, pad: 1 }));

  it("sizes the grid as cols × rows tiles with pad pixels around and between", () => {
    expect(gray).toMatchObject({ width: 2 * 3 + 3 * 1, height: 2 * 2 + 3 * 1, colourType: 2 });
  });

  it("places tiles left to right, top to bottom, grayscale copied to r, g and b", () => {
    expect(pixelAt(gray, 1, 1)).toEqual([0, 0, 0]);
    expect(pixelAt(gray, 3, 2)).toEqual([0, 0, 0]);
    expect(pixelAt(gray, 5, 1)).toEqual([128, 128, 128]);
    expect(pixelAt(gray, 7, 2)).toEqual([128, 128, 128]);
    expect(pixelAt(gray, 1, 4)).toEqual([255, 255, 255]);
    expect(pixelAt(gray, 3, 5)).toEqual([255, 255, 255]);
  });

  it("fills the padding and the empty last slot with the background", () => {
    for (const [x, y] of [[0, 0], [4, 1], [8, 2], [2, 3], [5, 4], [7, 5], [8, 6]]) expect(pixelAt(gray, x, y), `${x},${y}`).toEqual(BG);
  });

  it("keeps colour channels and pixel positions inside a tile (NHWC)", () => {
    // One 2×2 RGB image: top-left red, top-right green, bottom-left blue, bottom-right white.
    const colours = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, 1]];
    const png = decodePng(renderImageGrid(images(1, 2, 2, 3, (_, y, x, ch) => colours[y * 2 + x][ch]), 1, 2, 2, 3, { pad: 0 }));
    expect([png.width, png.height]).toEqual([2, 2]);
    expect([pixelAt(png, 0, 0), pixelAt(png, 1, 0), pixelAt(png, 0, 1), pixelAt(png, 1, 1)]).toEqual([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]);
  });

  it("enlarges each pixel to scale × scale", () => {
    // One 1×2 image: left black, right white; scale 3, pad 2.
    const png = decodePng(renderImageGrid(images(1, 1, 2, 1, (_, __, x) => (x === 0 ? -1 : 1)), 1, 1, 2, 1, { scale: 3, pad: 2 }));
    expect([png.width, png.height]).toEqual([2 * 3 + 4, 3 + 4]);
    for (const y of [2, 3, 4]) {
      expect([2, 3, 4].map((x) => pixelAt(png, x, y)[0])).toEqual([0, 0, 0]);
      expect([5, 6, 7].map((x) => pixelAt(png, x, y)[0])).toEqual([255, 255, 255]);
    }
    expect(pixelAt(png, 8, 2)).toEqual(BG);
    expect(pixelAt(png, 2, 5)).toEqual(BG);
  });

  it("defaults to ⌈√n⌉ columns", () => {
    const png = decodePng(renderImageGrid(new Float32Array(5), 5, 1, 1, 1, { pad: 0 }));
    expect([png.width, png.height]).toEqual([3, 2]);
  });

  it("rejects a buffer whose length does not match n × h × w × c", () => {
    expect(() => renderImageGrid(new Float32Array(10), 3, 2, 2, 1)).toThrow("10 values is not 3×2×2×1");
    expect(() => renderImageGrid(new Float32Array(0), 0, 2, 2, 1)).toThrow("n must be an integer ≥ 1");
  });
});
