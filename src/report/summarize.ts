// One run's numbers for the report: status, speed, final metrics, best and final F, mutation
// wins (overall and per window of iterations) and downsampled curves.
import type { EndRecord, EvalRecord, IterationRecord, RunEvent, RunStatus } from "../records.ts";
import { type EvalPoint, type MetricKind, evalPoint, metricKindOf, runTask } from "./eval-points.ts";
import type { RunData } from "./read-run.ts";

export type { EvalPoint, ImageEvalPoint, MetricKind, ToyEvalPoint, TranslationEvalPoint } from "./eval-points.ts";

export type Point = readonly [x: number, y: number];

export interface MutationWins {
  readonly mutation: string;
  /** Survivor slots this mutation's children took over the whole run. */
  readonly wins: number;
  /** wins / all survivor slots (0..1). */
  readonly share: number;
}

export interface WinWindow {
  readonly fromIt: number;
  readonly toIt: number;
  /** Survivor slots in this window. */
  readonly slots: number;
  /** Share (0..1) of this window's slots per mutation, every mutation of the run present. */
  readonly shares: Readonly<Record<string, number>>;
}

export interface RunCurves {
  /** F of the best survivor, mean per bucket of iterations. */
  readonly bestF: readonly Point[];
  /** D's loss, mean per bucket of iterations. */
  readonly dLoss: readonly Point[];
  readonly evals: readonly EvalPoint[];
}

export interface RunSummary {
  readonly name: string;
  readonly backend: string;
  readonly status: RunStatus;
  /** The git commit the run started from (run.json's stamps), null when unknown: not a git checkout, or a run from before stamps. */
  readonly commit: string | null;
  /** Whether tracked files differed from that commit; null when the commit is unknown. */
  readonly dirty: boolean | null;
  /** The config's dataset, null when it names none. */
  readonly dataset: string | null;
  /** The config's model family ("mlp" for runs from before image models). */
  readonly model: string;
  /** Which metrics the run's evaluations carry (from its dataset before the first one). */
  readonly metricKind: MetricKind;
  /** Iterations the run was configured for. */
  readonly plannedIterations: number;
  /** `it` of the last iteration record (0 before the first). */
  readonly iterations: number;
  readonly itersPerSec: number | null;
  /** The last evaluation, null before the first. */
  readonly finalEval: EvalPoint | null;
  /** Highest survivor F of the run (NaN ignored), and the iteration it was reached at. */
  readonly bestF: number | null;
  readonly bestFIt: number | null;
  /** Mean survivor F over the last 1% of iterations (at least one). */
  readonly finalF: number | null;
  /** Every mutation seen, most wins first (ties by name). */
  readonly mutationWins: readonly MutationWins[];
  readonly winsOverTime: readonly WinWindow[];
  readonly curves: RunCurves;
}

export interface SummarizeOptions {
  /** Windows for `winsOverTime` (default 10; fewer when there are fewer iterations). */
  readonly windows?: number;
  /** Most points per F / loss curve (default 200). */
  readonly maxCurvePoints?: number;
}

const isIteration = (e: RunEvent): e is IterationRecord => e.type === "iteration";
const isEval = (e: RunEvent): e is EvalRecord => e.type === "eval";
const isEnd = (e: RunEvent): e is EndRecord => e.type === "end";

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Splits `items` into min(parts, length) consecutive runs whose lengths differ by at most one. */
export function splitEven<T>(items: readonly T[], parts: number): T[][] {
  const n = Math.min(Math.max(1, Math.floor(parts)), items.length);
  return Array.from({ length: n }, (_, k) =>
    items.slice(Math.floor((k * items.length) / n), Math.floor(((k + 1) * items.length) / n)),
  );
}

/** At most `maxPoints` points, each the mean x and mean y of a bucket of consecutive points; non-finite y dropped first. */
export function downsample(points: readonly Point[], maxPoints: number): Point[] {
  const finite = points.filter(([, y]) => Number.isFinite(y));
  return splitEven(finite, maxPoints).map((bucket): Point => [mean(bucket.map((p) => p[0])), mean(bucket.map((p) => p[1]))]);
}

function survivorFs(record: IterationRecord): number[] {
  return record.survivors.flatMap((i) => {
    const child = record.children[i];
    return child !== undefined && Number.isFinite(child.F) ? [child.F] : [];
  });
}

/** F of the best survivor; NaN when no survivor has a finite F. */
function bestSurvivorF(record: IterationRecord): number {
  const fs = survivorFs(record);
  return fs.length === 0 ? NaN : Math.max(...fs);
}

function survivorMutations(record: IterationRecord): string[] {
  return record.survivors.flatMap((i) => {
    const child = record.children[i];
    return child === undefined ? [] : [child.mutation];
  });
}

function countWins(iterations: readonly IterationRecord[]): Map<string, number> {
  const wins = new Map<string, number>();
  for (const record of iterations) {
    for (const mutation of survivorMutations(record)) wins.set(mutation, (wins.get(mutation) ?? 0) + 1);
  }
  return wins;
}

function mutationWins(iterations: readonly IterationRecord[]): MutationWins[] {
  const wins = countWins(iterations);
  const names = new Set(iterations.flatMap((r) => r.children.map((c) => c.mutation)));
  const slots = [...wins.values()].reduce((a, b) => a + b, 0);
  return [...names]
    .map((mutation) => {
      const w = wins.get(mutation) ?? 0;
      return { mutation, wins: w, share: slots === 0 ? 0 : w / slots };
    })
    .sort((a, b) => b.wins - a.wins || (a.mutation < b.mutation ? -1 : a.mutation > b.mutation ? 1 : 0));
}

function winWindow(records: readonly IterationRecord[], mutations: readonly string[]): WinWindow {
  const wins = countWins(records);
  const slots = [...wins.values()].reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(mutations.map((m) => [m, slots === 0 ? 0 : (wins.get(m) ?? 0) / slots]));
  return { fromIt: records[0].it, toIt: records[records.length - 1].it, slots, shares };
}

function best(iterations: readonly IterationRecord[]): { F: number; it: number } | null {
  let found: { F: number; it: number } | null = null;
  for (const record of iterations) {
    const F = bestSurvivorF(record);
    if (Number.isFinite(F) && (found === null || F > found.F)) found = { F, it: record.it };
  }
  return found;
}

function finalF(iterations: readonly IterationRecord[]): number {
  const tail = iterations.slice(-Math.max(1, Math.ceil(iterations.length / 100)));
  return mean(tail.flatMap(survivorFs));
}

function itersPerSec(last: IterationRecord | undefined, end: EndRecord | undefined): number | null {
  if (end !== undefined && Number.isFinite(end.itersPerSec)) return end.itersPerSec;
  if (last === undefined || last.elapsedMs <= 0) return null;
  return last.it / (last.elapsedMs / 1000);
}

export function summarize(run: RunData, options: SummarizeOptions = {}): RunSummary {
  const iterations = run.events.filter(isIteration);
  const evals: EvalPoint[] = run.events.filter(isEval).map(evalPoint);
  const task = runTask(run.config);
  const end = run.events.filter(isEnd).at(-1);
  const last = iterations.at(-1);
  const wins = mutationWins(iterations);
  const mutations = wins.map((w) => w.mutation);
  const top = best(iterations);
  const maxPoints = options.maxCurvePoints ?? 200;
  return {
    name: run.info.name,
    backend: run.info.backend,
    status: run.info.status,
    commit: run.info.stamps?.git?.commit ?? null,
    dirty: run.info.stamps?.git?.dirty ?? null,
    dataset: task.dataset,
    model: task.model,
    metricKind: metricKindOf(evals, task),
    plannedIterations: run.info.iterations,
    iterations: last?.it ?? 0,
    itersPerSec: itersPerSec(last, end),
    finalEval: evals.at(-1) ?? null,
    bestF: top?.F ?? null,
    bestFIt: top?.it ?? null,
    finalF: orNull(finalF(iterations)),
    mutationWins: wins,
    winsOverTime: splitEven(iterations, options.windows ?? 10).map((w) => winWindow(w, mutations)),
    curves: {
      bestF: downsample(iterations.map((r): Point => [r.it, bestSurvivorF(r)]), maxPoints),
      dLoss: downsample(iterations.map((r): Point => [r.it, r.dLoss]), maxPoints),
      evals,
    },
  };
}
