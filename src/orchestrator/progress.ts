// Progress output: on a TTY (and not in CI) one line rewritten in place, a progress bar with
// percentage, rate and ETA for long runs; piped or in CI, plain sparse lines (a bar prints a
// line each time it passes another tenth of its total) so that logs stay short.
import { Context, Effect, Layer } from "effect";

export class Progress extends Context.Service<
  Progress,
  {
    /** A line that stays (start, evaluations, summary). */
    readonly line: (text: string) => Effect.Effect<void>;
    /**
     * `done` of `total` units named `label` ("it" gives "it/s"), `extra` appended. On a TTY a bar
     * rewritten in place, left as a line once done reaches total; otherwise a plain line at 10%,
     * 20%, … 100%. The rate and ETA count from the first call for this label and total.
     */
    readonly bar: (label: string, done: number, total: number, extra?: string) => Effect.Effect<void>;
  }
>()("evogan/Progress") {}

/** What progress writes to: process.stdout, or a fake in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Plain lines even on a TTY (default: the CI environment variable is set). */
  readonly ci?: boolean;
  /** Milliseconds clock for rates and ETAs (default Date.now). */
  readonly now?: () => number;
}

/** "45s", "1m51s", "2h05m"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** "16.2 it/s"; below one per second "4.0 s/it"; "- it/s" when unknown. */
export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `- ${unit}/s`;
  if (perSecond < 1) return `${(1 / perSecond).toFixed(1)} s/${unit}`;
  return `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1)} ${unit}/s`;
}

/** Where one bar stands: `fraction` of the total, its rate so far, and the time left or taken. */
export interface BarState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  /** Units per second since the bar started; NaN before any time or progress has passed. */
  readonly rate: number;
  readonly elapsedSeconds: number;
  readonly extra?: string;
}

const fractionOf = (done: number, total: number): number => (total <= 0 ? 1 : Math.min(1, Math.max(0, done / total)));

/** "40% 16.2 it/s eta 1m51s", or "100% 16.2 it/s in 3m05s" once done. */
function tail(b: BarState): string {
  const fraction = fractionOf(b.done, b.total);
  const time = fraction >= 1 ? `in ${formatDuration(b.elapsedSeconds)}` : `eta ${formatDuration((b.total - b.done) / b.rate)}`;
  return `${Math.floor(fraction * 100)}% ${formatRate(b.rate, b.label)} ${time}${b.extra ? `  ${b.extra}` : ""}`;
}

/** The TTY bar, fitted to `columns` (the bar between 10 and 30 cells, the line cut to columns − 1). */
export function barLine(b: BarState, columns: number): string {
  const head = `${b.label} ${b.done}/${b.total}`;
  const rest = tail(b);
  const width = Math.max(10, Math.min(30, columns - 1 - head.length - rest.length - 4));
  const filled = Math.floor(fractionOf(b.done, b.total) * width);
  return `${head} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${rest}`.slice(0, Math.max(1, columns - 1));
}

/** The piped / CI line: "it 1200/3000 40% 16.2 it/s eta 1m51s". */
export const plainBarLine = (b: BarState): string => `${b.label} ${b.done}/${b.total} ${tail(b)}`;

interface Started {
  readonly label: string;
  readonly total: number;
  readonly startDone: number;
  readonly startAt: number;
  lastDone: number;
  /** Tenths of the total already printed as plain lines. */
  lastTenth: number;
  /** The finished bar has been left as a line (TTY); repeats of the last call are ignored. */
  closed: boolean;
}

export function progressLayer(stream: ProgressStream = process.stdout, options: ProgressOptions = {}) {
  const tty = Boolean(stream.isTTY) && !(options.ci ?? Boolean(process.env.CI));
  const now = options.now ?? Date.now;
  let transient = false;
  let current: Started | undefined;
  const clear = () => {
    if (transient) stream.write("\r\x1b[2K");
    transient = false;
  };
  const show = (text: string) => {
    clear();
    stream.write(text.slice(0, (stream.columns ?? 100) - 1));
    transient = true;
  };

  /** The bar for this call; a new label or total, or going backwards (a restart), starts a new one. */
  const started = (label: string, done: number, total: number): Started => {
    if (current === undefined || current.label !== label || current.total !== total || done < current.lastDone) {
      current = { label, total, startDone: done, startAt: now(), lastDone: done, lastTenth: Math.floor(fractionOf(done, total) * 10), closed: false };
    }
    return current;
  };

  return Layer.succeed(Progress, {
    line: (text) =>
      Effect.sync(() => {
        clear();
        stream.write(text + "\n");
      }),
    bar: (label, done, total, extra) =>
      Effect.sync(() => {
        const s = started(label, done, total);
        if (s.closed) return;
        const elapsedSeconds = (now() - s.startAt) / 1000;
        const rate = elapsedSeconds > 0 && done > s.startDone ? (done - s.startDone) / elapsedSeconds : NaN;
        const state: BarState = { label, done, total, rate, elapsedSeconds, extra };
        s.lastDone = done;
        const finished = fractionOf(done, total) >= 1;
        if (tty) {
          show(barLine(state, stream.columns ?? 100));
          if (finished) {
            stream.write("\n");
            transient = false;
            s.closed = true;
          }
          return;
        }
        const tenth = Math.floor(fractionOf(done, total) * 10);
        if (tenth > s.lastTenth) {
          s.lastTenth = tenth;
          clear();
          stream.write(plainBarLine(state) + "\n");
        }
      }),
  });
}
