// Progress output against a fake stream and an injected clock: the in-place bar on a TTY, sparse
// plain lines when piped or in CI, and the number formats they share.
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { barLine, formatDuration, formatRate, Progress, type ProgressStream, progressLayer } from "../../src/orchestrator/progress.ts";

const CLEAR = "\r\x1b[2K";

/** A stream that records every write, and a clock the test moves. */
function fake(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  const stream: ProgressStream = { isTTY, columns, write: (text: string) => writes.push(text) };
  let ms = 0;
  return { writes, stream, now: () => ms, advance: (seconds: number) => void (ms += seconds * 1000) };
}

type Fake = ReturnType<typeof fake>;

/** Runs `use` against a progress layer on the fake. */
function run(f: Fake, use: (p: Progress["Service"]) => Effect.Effect<void>, ci = false): void {
  const program = Effect.gen(function* () {
    yield* use(yield* Progress);
  });
  Effect.runSync(program.pipe(Effect.provide(progressLayer(f.stream, { ci, now: f.now }))));
}

/** Calls bar(label, done, total) at each `done`, the clock advancing `secondsEach` before each call after the first. */
const steps = (f: Fake, dones: readonly number[], total: number, secondsEach: number) => (p: Progress["Service"]) =>
  Effect.forEach(dones, (done, i) => Effect.suspend(() => (i > 0 && f.advance(secondsEach), p.bar("it", done, total))), { discard: true });

describe("formatDuration and formatRate", () => {
  it("writes seconds, minutes and hours compactly, ? when unknown", () => {
    expect([0, 45.4, 111, 3600, 7530, NaN, Infinity].map(formatDuration)).toEqual(["0s", "45s", "1m51s", "1h00m", "2h05m", "?", "?"]);
  });

  it("writes per second at 1 and above, seconds per unit below, - when unknown", () => {
    expect([16.24, 250, 0.25, 0, NaN].map((r) => formatRate(r, "it"))).toEqual(["16.2 it/s", "250 it/s", "4.0 s/it", "- it/s", "- it/s"]);
  });
});

describe("barLine", () => {
  it("shows done/total, a bar, the percentage, the rate and the ETA", () => {
    expect(barLine({ label: "it", done: 1200, total: 3000, rate: 16.2, elapsedSeconds: 74 }, 100)).toBe(
      `it 1200/3000 [${"#".repeat(12)}${".".repeat(18)}] 40% 16.2 it/s eta 1m51s`,
    );
  });

  it("narrows the bar to fit the terminal, never below 10 cells, and cuts the line to columns − 1", () => {
    const line = barLine({ label: "it", done: 500, total: 1000, rate: 10, elapsedSeconds: 50 }, 50);
    expect(line).toBe("it 500/1000 [######.......] 50% 10.0 it/s eta 50s");
    expect(line).toHaveLength(49);
    expect(barLine({ label: "it", done: 500, total: 1000, rate: 10, elapsedSeconds: 50, extra: "x".repeat(80) }, 40)).toHaveLength(39);
  });

  it("says how long it took once done", () => {
    expect(barLine({ label: "gen", done: 8, total: 8, rate: 0.5, elapsedSeconds: 16 }, 80)).toMatch(/^gen 8\/8 \[#+\] 100% 2\.0 s\/gen in 16s$/);
  });
});

describe("progressLayer on a TTY", () => {
  it("rewrites the bar in place, with the rate and ETA from the clock", () => {
    const f = fake(true);
    run(f, steps(f, [0, 100, 300], 1000, 10));
    expect(f.writes[0]).toMatch(/^it 0\/1000 \[\.+\] 0% - it\/s eta \?$/);
    expect(f.writes.slice(1)).toEqual([
      CLEAR,
      barLine({ label: "it", done: 100, total: 1000, rate: 10, elapsedSeconds: 10 }, 100),
      CLEAR,
      barLine({ label: "it", done: 300, total: 1000, rate: 15, elapsedSeconds: 20 }, 100),
    ]);
    expect(f.writes[4]).toContain("30% 15.0 it/s eta 47s");
  });

  it("clears the bar before a lasting line, and leaves the finished bar as a line", () => {
    const f = fake(true);
    run(f, (p) =>
      Effect.gen(function* () {
        yield* p.bar("it", 0, 10);
        f.advance(1);
        yield* p.bar("it", 5, 10);
        yield* p.line("  eval at 5");
        f.advance(1);
        yield* p.bar("it", 10, 10);
        yield* p.bar("it", 10, 10);
        yield* p.line("done");
      }),
    );
    expect(f.writes.filter((w) => !w.startsWith("it "))).toEqual([CLEAR, CLEAR, "  eval at 5\n", "\n", "done\n"]);
    expect(f.writes.at(-3)).toMatch(/^it 10\/10 \[#+\] 100% 5\.0 it\/s in 2s$/);
  });

  it("counts the rate from the first call, restarting for a new label or when done goes back", () => {
    const f = fake(true);
    run(f, (p) =>
      Effect.gen(function* () {
        yield* p.bar("it", 500, 1000);
        f.advance(10);
        yield* p.bar("it", 600, 1000);
        yield* p.bar("gen", 1, 4);
        f.advance(10);
        yield* p.bar("gen", 2, 4);
      }),
    );
    const bars = f.writes.filter((w) => w !== CLEAR);
    expect(bars[1]).toContain("60% 10.0 it/s eta 40s");
    expect(bars[2]).toContain("25% - gen/s eta ?");
    expect(bars[3]).toContain("50% 10.0 s/gen eta 20s");
  });
});

describe("progressLayer piped or in CI", () => {
  it("prints a plain line each time the bar passes another tenth, never a control code", () => {
    const f = fake(false);
    run(f, steps(f, [0, 50, 99, 100, 150, 220, 990, 1000], 1000, 5));
    expect(f.writes).toEqual([
      "it 100/1000 10% 6.7 it/s eta 2m15s\n",
      "it 220/1000 22% 8.8 it/s eta 1m29s\n",
      "it 990/1000 99% 33.0 it/s eta 0s\n",
      "it 1000/1000 100% 28.6 it/s in 35s\n",
    ]);
  });

  it("prints plain lines on a TTY when CI is set", () => {
    const f = fake(true);
    run(
      f,
      (p) =>
        Effect.gen(function* () {
          yield* steps(f, [0, 400, 450], 1000, 2)(p);
        }),
      true,
    );
    expect(f.writes).toEqual(["it 400/1000 40% 200 it/s eta 3s\n"]);
  });

  it("keeps lasting lines as they are", () => {
    const f = fake(false);
    run(f, (p) => p.line("evogan run runs/x: backend cpu"));
    expect(f.writes).toEqual(["evogan run runs/x: backend cpu\n"]);
  });
});
