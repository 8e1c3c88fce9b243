// Where a JSON text first goes wrong, for a one-line config error with a line and column.
// JSON.parse says "at position N" for some mistakes, but for an unexpected token V8 quotes the
// text around it instead (line breaks and all) and gives no position; this small scanner of the
// JSON grammar (RFC 8259) finds the offset of the first error in every case.

export interface JsonSyntaxError {
  /** Offset of the first character that cannot be part of valid JSON (text.length: it ended too soon). */
  readonly offset: number;
  /** What was wrong there, e.g. `unexpected ","` or `trailing comma before "}"`. */
  readonly problem: string;
  /** 1-based line and column of `offset`. */
  readonly line: number;
  readonly column: number;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/** A character as the error names it: quoted when printable ASCII, else its code point. */
function charText(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code >= 0x7f) return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return c === "'" ? `"'"` : `'${c}'`;
}

/** The first syntax error in `text`, or undefined when it is valid JSON (or too deeply nested to scan). */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const stop = (problem: string, at = i): never => {
    throw new Stop(at, problem);
  };
  const unexpected = (): never => {
    if (i >= text.length) return stop("unexpected end of input");
    if (text[i] === "/") return stop("comments are not allowed in JSON");
    if (text[i] === "'") return stop("JSON strings need double quotes, not '");
    return stop(`unexpected ${charText(text[i])}`);
  };
  const space = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };

  function string(): void {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) stop("unterminated string");
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) stop("bad \\u escape in a string");
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          i += 2;
        } else {
          stop(`bad escape in a string: \\${e === undefined ? "" : e}`);
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) stop("line break or control character inside a string (write it as \\n, \\t…)");
      i++;
    }
  }

  function value(): void {
    space();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      if (!NUMBER.exec(text)) stop("bad number");
      i = NUMBER.lastIndex;
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    unexpected();
  }

  function object(): void {
    i++;
    space();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"') {
        if (text[i] === "}") stop('trailing comma before "}"');
        if (i >= text.length) unexpected();
        stop(`expected a double-quoted property name, got ${charText(text[i])}`);
      }
      string();
      space();
      if (text[i] !== ":") stop(i >= text.length ? "unexpected end of input" : `expected ":" after the property name, got ${charText(text[i])}`);
      i++;
      value();
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      stop(i >= text.length ? "unexpected end of input" : `expected "," or "}" after a property value, got ${charText(text[i])}`);
    }
  }

  function array(): void {
    i++;
    space();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] === "]") stop('trailing comma before "]"');
      value();
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      stop(i >= text.length ? "unexpected end of input" : `expected "," or "]" after an element, got ${charText(text[i])}`);
    }
  }

  try {
    value();
    space();
    if (i < text.length) stop(`unexpected ${charText(text[i])} after the JSON value`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) return undefined; // nested too deeply for the call stack: no position
    const before = text.slice(0, e.offset);
    const line = before.split("\n").length;
    const column = e.offset - before.lastIndexOf("\n");
    return { offset: e.offset, problem: e.problem, line, column };
  }
}
