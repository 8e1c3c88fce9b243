// The truncation trick (BigGAN §3.1): sample z from a standard normal truncated to
// [−threshold, threshold], where values that fall outside are drawn again (rejection), so the
// result has the truncated-normal density φ(z)/(Φ(t) − Φ(−t)) on the interval, not a clipped
// normal with mass piled at ±t. Any rescaling of z afterwards is the caller's business.
import type { Rng } from "../../util/rng.ts";

/**
 * n standard-normal draws, each redrawn until |z| ≤ threshold. A threshold that is undefined,
 * ≤ 0 or infinite means no truncation.
 */
export function truncatedNormalArray(rng: Rng, n: number, threshold?: number): Float32Array {
  const out = new Float32Array(n);
  const truncate = threshold !== undefined && threshold > 0 && Number.isFinite(threshold);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    if (truncate) while (Math.abs(z) > threshold) z = rng.normal();
    out[i] = z;
  }
  return out;
}
