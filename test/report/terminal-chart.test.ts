import { describe, expect, it } from "vitest";
import { GLYPHS, formatNumber, lineChart } from "../../src/report/terminal-chart.ts";

const up = { name: "up", points: [[0, 0], [9, 3]] as const };
const down = { name: "down", points: [[0, 3], [9, 0]] as const };

describe("lineChart", () => {
  it("draws crossing series exactly, later series on top", () => {
    expect(lineChart([up, down], { width: 10, height: 4, title: "t", xLabel: "it" })).toBe(
      [
        "t",
        "3 |++      **",
        "2 |  +++***",
        "  |  ***+++",
        "0 |**      ++",
        "  +----------",
        "   0        9",
        "       it",
        "   * up   + down",
      ].join("\n"),
    );
  });

  it("gives each series its own glyph, shown in the legend", () => {
    const series = ["a", "b", "c", "d", "e"].map((name, i) => ({ name, points: [[i, i * 10], [i + 1, i * 10]] as const }));
    const chart = lineChart(series);
    const plot = chart.split("\n").filter((l) => l.includes("|"));
    GLYPHS.slice(0, 5).forEach((glyph, i) => {
      expect(plot.some((row) => row.slice(row.indexOf("|") + 1).includes(glyph)), glyph).toBe(true);
      expect(chart).toContain(`${glyph} ${series[i].name}`);
    });
  });

  it("labels the y axis with the max on top and the min at the bottom, and the x range below", () => {
    const lines = lineChart([{ name: "loss", points: [[100, 1.386], [200, 0.25], [300, 0.7]] }], { width: 30, height: 7 }).split("\n");
    expect(lines[0]).toMatch(/^1\.386 \|/);
    expect(lines[3]).toMatch(/^0\.818 \|/);
    expect(lines[6]).toMatch(/^ 0\.25 \|/);
    expect(lines[8].trim()).toMatch(/^100 +300$/);
  });

  it("uses no colour codes and no trailing spaces, the same text every time", () => {
    const a = lineChart([up, down], { title: "x" });
    expect(a).toBe(lineChart([up, down], { title: "x" }));
    expect(a).not.toMatch(/\u001b/);
    expect(a.split("\n").every((l) => l === l.trimEnd())).toBe(true);
  });

  it("skips non-finite points and says when nothing is left", () => {
    expect(lineChart([{ name: "n", points: [[1, NaN], [NaN, 2]] }], { title: "empty" })).toBe("empty\n  (no data)");
  });

  it("puts a single point mid-chart with a widened range", () => {
    const lines = lineChart([{ name: "one", points: [[5, 2]] }], { width: 11, height: 5 }).split("\n");
    expect(lines[2]).toBe("  2 |     *");
    expect(lines[0]).toMatch(/^2\.2 \|$/);
    expect(lines[4]).toMatch(/^1\.8 \|$/);
  });
});

describe("formatNumber", () => {
  it("keeps four significant digits and switches to exponent form at the extremes", () => {
    expect([0, 3.14159, 1234.5, 0.012345, 123456, 0.0001234, -2.5].map(formatNumber)).toEqual([
      "0", "3.142", "1235", "0.01235", "1.23e+5", "1.23e-4", "-2.5",
    ]);
  });
});
