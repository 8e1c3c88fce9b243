// Progress output: on a TTY one line rewritten in place; piped or in CI, plain sparse lines.
import { Context, Effect, Layer } from "effect";

export class Progress extends Context.Service<
  Progress,
  {
    /** A line that stays (start, evaluations, summary). */
    readonly line: (text: string) => Effect.Effect<void>;
    /** A transient status; shown in place on a TTY, dropped otherwise. */
    readonly status: (text: string) => Effect.Effect<void>;
  }
>()("evogan/Progress") {}

export function progressLayer(stream: NodeJS.WriteStream = process.stdout) {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  let transient = false;
  const clear = () => {
    if (transient) stream.write("\r\x1b[2K");
    transient = false;
  };
  return Layer.succeed(Progress, {
    line: (text) =>
      Effect.sync(() => {
        clear();
        stream.write(text + "\n");
      }),
    status: (text) =>
      Effect.sync(() => {
        if (!tty) return;
        clear();
        stream.write(text.slice(0, (stream.columns ?? 100) - 1));
        transient = true;
      }),
  });
}

/** A test layer that collects lines. */
export function collectingProgress(lines: string[]) {
  return Layer.succeed(Progress, {
    line: (text) => Effect.sync(() => void lines.push(text)),
    status: () => Effect.void,
  });
}
