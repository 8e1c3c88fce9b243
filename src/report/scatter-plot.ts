import { encodePng } from "./png.ts";

export type Rgb = readonly [r: number, g: number, b: number];

export const BACKGROUND: Rgb = [255, 255, 255];
export const GRID_COLOUR: Rgb = [232, 232, 232];
export const AXIS_COLOUR: Rgb = [175, 175, 175];
export const SAMPLE_COLOUR: Rgb = [31, 119, 180];
export const SAMPLE_ALPHA = 0.5;
export const CENTRE_COLOUR: Rgb = [255, 127, 14];

export interface ScatterOptions {
  /** Generated samples, interleaved x0, y0, x1, y1, … */
  readonly points: Float32Array;
  /** True mode centres, interleaved like `points`. */
  readonly centres: Float32Array;
  /** The plot spans [-range, range] on both axes. */
  readonly range: number;
  /** Width and height in pixels (default 400). */
  readonly size?: number;
  /** Stored as the PNG's tEXt Title; no text is drawn. */
  readonly title?: string;
}

/** An RGB canvas; y grows downwards like the image rows. */
interface Canvas {
  readonly size: number;
  readonly rgb: Uint8Array;
}

function createCanvas(size: number): Canvas {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set(BACKGROUND, i);
  return { size, rgb };
}

function blend(canvas: Canvas, px: number, py: number, colour: Rgb, alpha: number): void {
  if (px < 0 || py < 0 || px >= canvas.size || py >= canvas.size) return;
  const i = (py * canvas.size + px) * 3;
  for (let c = 0; c < 3; c++) {
    canvas.rgb[i + c] = Math.round(canvas.rgb[i + c] * (1 - alpha) + colour[c] * alpha);
  }
}

/** Pixel column of data coordinate `v`: -range maps to 0, +range to size-1. */
export function toPixelX(v: number, range: number, size: number): number {
  return Math.round(((v + range) / (2 * range)) * (size - 1));
}

/** Pixel row of data coordinate `v`: +range maps to row 0 (y points up). */
export function toPixelY(v: number, range: number, size: number): number {
  return Math.round(((range - v) / (2 * range)) * (size - 1));
}

function inRange(x: number, y: number, range: number): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= range && Math.abs(y) <= range;
}

/** A 1-2-5 step giving roughly eight grid lines across [-range, range]. */
function gridStep(range: number): number {
  const raw = (2 * range) / 8;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
}

/** Grid lines strictly inside the plot, so the border pixels stay background. */
function gridValues(range: number): number[] {
  const step = gridStep(range);
  const eps = 1e-9;
  const values: number[] = [];
  for (let k = Math.ceil(-range / step + eps); k <= Math.floor(range / step - eps); k++) values.push(k * step);
  return values;
}

function drawGrid(canvas: Canvas, range: number): void {
  const { size } = canvas;
  for (const v of gridValues(range)) {
    const colour = v === 0 ? AXIS_COLOUR : GRID_COLOUR;
    const px = toPixelX(v, range, size);
    const py = toPixelY(v, range, size);
    for (let i = 0; i < size; i++) {
      blend(canvas, px, i, colour, 1);
      blend(canvas, i, py, colour, 1);
    }
  }
}

function drawDisc(canvas: Canvas, cx: number, cy: number, radius: number, colour: Rgb, alpha: number): void {
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (dx * dx + dy * dy <= radius * radius) blend(canvas, cx + dx, cy + dy, colour, alpha);
    }
  }
}

function drawCentreMarker(canvas: Canvas, cx: number, cy: number, radius: number): void {
  for (let d = -radius; d <= radius; d++) {
    blend(canvas, cx + d, cy, CENTRE_COLOUR, 1);
    blend(canvas, cx, cy + d, CENTRE_COLOUR, 1);
  }
  // Pixels whose distance rounds to the radius: a gap-free ring without a midpoint-circle routine.
  for (let dy = -radius - 1; dy <= radius + 1; dy++) {
    for (let dx = -radius - 1; dx <= radius + 1; dx++) {
      if (Math.round(Math.hypot(dx, dy)) === radius) blend(canvas, cx + dx, cy + dy, CENTRE_COLOUR, 1);
    }
  }
}

function forEachPoint(xy: Float32Array, range: number, f: (x: number, y: number) => void): void {
  for (let i = 0; i + 1 < xy.length; i += 2) {
    if (inRange(xy[i], xy[i + 1], range)) f(xy[i], xy[i + 1]);
  }
}

/**
 * Scatter plot of generated samples (translucent dots, so density shows as darker blue) over
 * the true mode centres (orange ring and cross, drawn last so they stay visible). Points outside
 * the range or not finite are skipped.
 */
export function renderScatter(options: ScatterOptions): Buffer {
  const size = options.size ?? 400;
  const { range } = options;
  if (!Number.isInteger(size) || size < 8) throw new Error(`renderScatter: size must be an integer >= 8, got ${size}`);
  if (!(Number.isFinite(range) && range > 0)) throw new Error(`renderScatter: range must be positive, got ${range}`);
  const canvas = createCanvas(size);
  drawGrid(canvas, range);
  const dotRadius = Math.max(1, Math.round(size / 200));
  forEachPoint(options.points, range, (x, y) =>
    drawDisc(canvas, toPixelX(x, range, size), toPixelY(y, range, size), dotRadius, SAMPLE_COLOUR, SAMPLE_ALPHA),
  );
  const markerRadius = Math.max(3, Math.round(size / 60));
  forEachPoint(options.centres, range, (x, y) =>
    drawCentreMarker(canvas, toPixelX(x, range, size), toPixelY(y, range, size), markerRadius),
  );
  const text: Record<string, string> = options.title === undefined ? {} : { Title: options.title };
  return encodePng(size, size, canvas.rgb, { text });
}
