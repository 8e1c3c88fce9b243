import { describe, expect, it } from "vitest";
import { BACKGROUND, CENTRE_COLOUR, SAMPLE_ALPHA, SAMPLE_COLOUR, renderScatter } from "../../src/report/scatter-plot.ts";
import { decodePng, pixelAt } from "./decode-png.ts";

const SIZE = 100;
const RANGE = 2;
// The documented mapping: -range → pixel 0, +range → pixel size-1, y pointing up.
const col = (x: number) => Math.round(((x + RANGE) / (2 * RANGE)) * (SIZE - 1));
const row = (y: number) => Math.round(((RANGE - y) / (2 * RANGE)) * (SIZE - 1));
const sampleOnWhite = SAMPLE_COLOUR.map((c, i) => Math.round(BACKGROUND[i] * (1 - SAMPLE_ALPHA) + c * SAMPLE_ALPHA));

describe("renderScatter", () => {
  const png = decodePng(
    renderScatter({
      points: Float32Array.from([0.7, 0.3, 5, 5, -9, 0.1, NaN, 1, 1]), // trailing odd value ignored
      centres: Float32Array.from([-1.3, -1.3]),
      range: RANGE,
      size: SIZE,
      title: "it 500",
    }),
  );

  it("is a size×size 8-bit image with valid chunk CRCs", () => {
    expect(png).toMatchObject({ width: SIZE, height: SIZE, bitDepth: 8 });
    for (const c of png.chunks) expect(c.crc, c.type).toBe(c.expectedCrc);
    expect(png.filters.every((f) => f === 0)).toBe(true);
  });

  it("draws a sample in the sample colour where it lies, in the upper-right quadrant for (0.7, 0.3)", () => {
    expect(col(0.7)).toBeGreaterThan(SIZE / 2);
    expect(row(0.3)).toBeLessThan(SIZE / 2);
    expect(pixelAt(png, col(0.7), row(0.3))).toEqual(sampleOnWhite);
  });

  it("draws a mode centre in orange", () => {
    expect(pixelAt(png, col(-1.3), row(-1.3))).toEqual([...CENTRE_COLOUR]);
  });

  it("leaves the far corners as background", () => {
    for (const [x, y] of [[0, 0], [SIZE - 1, 0], [0, SIZE - 1], [SIZE - 1, SIZE - 1]]) {
      expect(pixelAt(png, x, y)).toEqual([...BACKGROUND]);
    }
  });

  it("ignores points outside the range or not finite instead of wrapping or crashing", () => {
    const onlyOutside = decodePng(
      // Just past the edge would still round onto the border pixels if it were drawn.
      renderScatter({
        points: Float32Array.from([5, 5, -9, 0.1, NaN, 1, Infinity, 0, 2.02, 0.3, 0.3, -2.02]),
        centres: Float32Array.from([2.03, 0]),
        range: RANGE,
        size: SIZE,
      }),
    );
    const empty = decodePng(renderScatter({ points: new Float32Array(0), centres: new Float32Array(0), range: RANGE, size: SIZE }));
    expect(onlyOutside.pixels.equals(empty.pixels)).toBe(true);
  });

  it("defaults to 400 px", () => {
    const big = decodePng(renderScatter({ points: new Float32Array(0), centres: new Float32Array(0), range: 4 }));
    expect([big.width, big.height]).toEqual([400, 400]);
  });
});
