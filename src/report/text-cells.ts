// Cell text shared by the text, CSV and HTML reports: safe names, fixed-point numbers with "-"
// for what is missing, percentages, and aligned plain-text tables.

export type Align = "left" | "right";

/**
 * Names come from run directories and event files; a newline or an escape sequence in one would
 * break the table or drive the terminal, so control characters are shown as JSON escapes.
 */
export function displayName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => JSON.stringify(ch).slice(1, -1));
}

/** `digits` decimals; "-" for a missing or non-finite value. */
export const fixed = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits));

export const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[]): string[] {
  const widths = align.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((row) =>
    align
      .map((a, c) => ((a === "right" ? (row[c] ?? "").padStart(widths[c]) : (row[c] ?? "").padEnd(widths[c]))))
      .join("  ")
      .trimEnd(),
  );
}
