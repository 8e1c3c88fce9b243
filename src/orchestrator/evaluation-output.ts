// What the orchestrator makes of a worker's evaluation: its picture (the toy scatter plot against
// the mixture's centres, or the image sample grid from the fixed z) and its one-line summary.
import { toyDataset, type ToyDatasetName } from "../data/toy-datasets.ts";
import { isImageMetrics, type EvalMetrics } from "../records.ts";
import { renderImageGrid } from "../report/image-grid.ts";
import { renderScatter } from "../report/scatter-plot.ts";
import type { Evaluation } from "../worker/protocol.ts";

export function evaluationPng(ev: Evaluation, dataset: string): Buffer {
  if (ev.grid) {
    const { count, height, width, channels } = ev.grid;
    return renderImageGrid(ev.samples, count, height, width, channels as 1 | 3, { scale: channels === 1 ? 2 : 1 });
  }
  const data = toyDataset(dataset as ToyDatasetName);
  return renderScatter({ points: ev.samples, centres: data.centres, range: data.plotRange });
}

export function samplesPath(it: number): string {
  return `samples/it-${String(it).padStart(6, "0")}.png`;
}

export function metricsSummary(m: EvalMetrics): string {
  if (isImageMetrics(m)) return `FID ${m.fid.toFixed(2)}  IS ${m.inceptionScore.toFixed(2)}  TVD ${m.classTvd.toFixed(3)}`;
  return `modes ${m.modes}/${m.totalModes}  high-quality ${(100 * m.highQuality).toFixed(1)}%  reverse KL ${m.reverseKL.toFixed(3)}${m.mmd === undefined ? "" : `  MMD² ${m.mmd.toFixed(4)}`}`;
}
