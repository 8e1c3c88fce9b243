// Mutation wins over time as a table: one column per window of iterations, one row per
// mutation, each cell that mutation's share of the window's survivor slots. Shown only for runs
// with a choice of mutations (E-GAN), since with one mutation every share is 100%.
import type { RunSummary } from "./summarize.ts";
import { displayName, percent } from "./text-cells.ts";

/** More than one mutation competed for the survivor slots. */
export const hasMutationChoice = (s: RunSummary): boolean => s.mutationWins.length > 1;

/** A header of iteration windows ("1-3", or "7" for a one-iteration window), a row of shares per mutation. */
export function winsOverTimeTable(s: RunSummary): { header: string[]; rows: string[][] } {
  const header = ["iterations", ...s.winsOverTime.map((w) => (w.fromIt === w.toIt ? `${w.fromIt}` : `${w.fromIt}-${w.toIt}`))];
  const rows = s.mutationWins.map((m) => [displayName(m.mutation), ...s.winsOverTime.map((w) => percent(w.shares[m.mutation] ?? 0))]);
  return { header, rows };
}
