// The 2-D toy tasks of the E-GAN, VEEGAN and PacGAN papers, after igul222's gan_toy.py:
// ring8: 8 Gaussians on a circle of radius 2 at angles k·2π/8, k = 0..7 (not linspace(0, 2π, 8),
// which puts two modes on the same point), σ = 0.02; grid25: centres {−4,−2,0,2,4}², σ = 0.05.
// Centres and σ are then scaled, by 1/1.414 and 1/2.828 respectively.
import type { Rng } from "../util/rng.ts";

export type ToyDatasetName = "ring8" | "grid25";

export interface ToyDataset {
  readonly name: ToyDatasetName;
  /** Mode centres after scaling, as (x0, y0, x1, y1, ...). */
  readonly centres: Float32Array;
  /** Standard deviation of each mode after scaling. */
  readonly sigma: number;
  /** Half-width of a square that holds every mode with a margin, for plots. */
  readonly plotRange: number;
}

function ring8(): ToyDataset {
  const scale = 1 / 1.414;
  const centres = new Float32Array(16);
  for (let k = 0; k < 8; k++) {
    const angle = (k * 2 * Math.PI) / 8;
    centres[2 * k] = 2 * Math.cos(angle) * scale;
    centres[2 * k + 1] = 2 * Math.sin(angle) * scale;
  }
  return { name: "ring8", centres, sigma: 0.02 * scale, plotRange: 2 };
}

function grid25(): ToyDataset {
  const scale = 1 / 2.828;
  const centres = new Float32Array(50);
  let i = 0;
  for (const x of [-4, -2, 0, 2, 4]) {
    for (const y of [-4, -2, 0, 2, 4]) {
      centres[i++] = x * scale;
      centres[i++] = y * scale;
    }
  }
  return { name: "grid25", centres, sigma: 0.05 * scale, plotRange: 2 };
}

export function toyDataset(name: ToyDatasetName): ToyDataset {
  return name === "ring8" ? ring8() : grid25();
}

/** n fresh samples (x0, y0, ...): a uniformly chosen mode plus isotropic Gaussian noise. */
export function sampleToy(data: ToyDataset, n: number, rng: Rng): Float32Array {
  const k = data.centres.length / 2;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const m = rng.int(k);
    out[2 * i] = data.centres[2 * m] + data.sigma * rng.normal();
    out[2 * i + 1] = data.centres[2 * m + 1] + data.sigma * rng.normal();
  }
  return out;
}
