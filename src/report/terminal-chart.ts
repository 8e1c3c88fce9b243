export type ChartPoint = readonly [x: number, y: number];

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
}

export interface ChartOptions {
  /** Plot columns, not counting the y labels (default 60). */
  readonly width?: number;
  /** Plot rows (default 11: odd, so the middle label sits halfway between min and max). */
  readonly height?: number;
  readonly title?: string;
  readonly xLabel?: string;
}

/** Series i is drawn with GLYPHS[i % GLYPHS.length]; a later series overwrites an earlier one. */
export const GLYPHS = ["*", "+", "o", "x", "#", "@", "%", "&"] as const;

export const glyphOf = (index: number): string => GLYPHS[index % GLYPHS.length];

/** Short, stable number text: at most 4 significant digits, exponent form when very large or small. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

interface Range {
  readonly min: number;
  readonly max: number;
}

/** A flat range is widened so that its points land mid-chart instead of dividing by zero. */
function rangeOf(values: readonly number[]): Range {
  const min = values.reduce((a, b) => Math.min(a, b), Infinity);
  const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  if (min !== max) return { min, max };
  const pad = Math.abs(min) * 0.1 || 1;
  return { min: min - pad, max: max + pad };
}

const scale = (v: number, r: Range, cells: number): number => Math.round(((v - r.min) / (r.max - r.min)) * (cells - 1));

function finitePoints(points: readonly ChartPoint[]): ChartPoint[] {
  return points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
}

/** Cells of the polyline through `points`: each point, plus one per column between neighbours. */
function polylineCells(points: readonly ChartPoint[], xr: Range, yr: Range, width: number, height: number): [col: number, row: number][] {
  const cells: [number, number][] = [];
  const toRow = (y: number) => height - 1 - scale(y, yr, height);
  points.forEach(([x, y], i) => {
    const col = scale(x, xr, width);
    if (i > 0) {
      const [px, py] = points[i - 1];
      const prevCol = scale(px, xr, width);
      for (let c = prevCol + 1; c < col; c++) cells.push([c, toRow(py + ((y - py) * (c - prevCol)) / (col - prevCol))]);
    }
    cells.push([col, toRow(y)]);
  });
  return cells;
}

/** Draws the polyline, filling vertical gaps so that steep segments stay connected. */
function plotSeries(grid: string[][], points: readonly ChartPoint[], glyph: string, xr: Range, yr: Range): void {
  const cells = polylineCells(points, xr, yr, grid[0].length, grid.length);
  cells.forEach(([col, row], i) => {
    grid[row][col] = glyph;
    if (i === 0) return;
    const prevRow = cells[i - 1][1];
    const step = Math.sign(prevRow - row);
    for (let r = row + step; r !== prevRow && step !== 0; r += step) grid[r][col] = glyph;
  });
}

function yLabels(yr: Range, height: number): Map<number, string> {
  const mid = Math.floor((height - 1) / 2);
  const labels = new Map<number, string>();
  labels.set(mid, formatNumber(yr.max - ((yr.max - yr.min) * mid) / (height - 1)));
  labels.set(0, formatNumber(yr.max));
  labels.set(height - 1, formatNumber(yr.min));
  return labels;
}

function xAxisLabels(xr: Range, width: number): string {
  const left = formatNumber(xr.min);
  const right = formatNumber(xr.max);
  const gap = width - left.length - right.length;
  return left + " ".repeat(Math.max(1, gap)) + right;
}

function centre(text: string, width: number): string {
  return " ".repeat(Math.max(0, Math.floor((width - text.length) / 2))) + text;
}

/**
 * A plain-text line chart of one or more series: ASCII only, no colour codes, no trailing
 * spaces, so the output is the same everywhere and can be golden-tested or piped.
 */
export function lineChart(series: readonly ChartSeries[], opts: ChartOptions = {}): string {
  const width = Math.max(2, Math.floor(opts.width ?? 60));
  const height = Math.max(2, Math.floor(opts.height ?? 11));
  const cleaned = series.map((s) => finitePoints(s.points));
  const all = cleaned.flat();
  const lines: string[] = opts.title === undefined ? [] : [opts.title];
  if (all.length === 0) return [...lines, "  (no data)"].join("\n");

  const xr = rangeOf(all.map((p) => p[0]));
  const yr = rangeOf(all.map((p) => p[1]));
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => " "));
  cleaned.forEach((points, i) => plotSeries(grid, points, glyphOf(i), xr, yr));

  const labels = yLabels(yr, height);
  const labelWidth = Math.max(...[...labels.values()].map((l) => l.length));
  const pad = " ".repeat(labelWidth + 1);
  grid.forEach((row, r) => lines.push(`${(labels.get(r) ?? "").padStart(labelWidth)} |${row.join("")}`));
  lines.push(`${pad}+${"-".repeat(width)}`);
  lines.push(`${pad} ${xAxisLabels(xr, width)}`);
  if (opts.xLabel !== undefined) lines.push(`${pad} ${centre(opts.xLabel, width)}`);
  lines.push(`${pad} ${series.map((s, i) => `${glyphOf(i)} ${s.name}`).join("   ")}`);
  return lines.map((l) => l.trimEnd()).join("\n");
}
