import { describe, expect, it } from "vitest";
import { csvField } from "../../src/report/format-csv.ts";
import { formatReport } from "../../src/report/format-report.ts";
import { readRun } from "../../src/report/read-run.ts";
import { type RunSummary, summarize } from "../../src/report/summarize.ts";
import { FIXTURE_RUN, IMAGE_FIXTURE_RUN } from "./run-dir.ts";

const HOSTILE = 'a,"b"\n<script>';

/** An RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") endField();
    else if (ch === "\r" && text[i + 1] === "\n") {
      endRecord();
      i++;
    } else field += ch;
  }
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

describe("formatReport", async () => {
  const fixture = summarize(await readRun(FIXTURE_RUN));
  const hostile: RunSummary = { ...fixture, name: HOSTILE };
  const other: RunSummary = {
    ...fixture,
    name: "other",
    mutationWins: [{ mutation: "pbt,explore", wins: 3, share: 1 }],
  };

  describe("csv", () => {
    const csv = formatReport([hostile, other], { format: "csv" });
    const records = parseCsv(csv);

    it("keeps a run name with a comma, quotes and a newline intact", () => {
      expect(csv).toContain('"a,""b""\n<script>",');
      expect(records).toHaveLength(3);
      expect(records[1][0]).toBe(HOSTILE);
      expect(records[2][0]).toBe("other");
    });

    it("has one column per field and per mutation seen across runs, CRLF-terminated", () => {
      expect(csv.endsWith("\r\n")).toBe(true);
      expect(records.every((r) => r.length === records[0].length)).toBe(true);
      expect(records[0].slice(-4)).toEqual(["wins heuristic", "wins least-squares", "wins minimax", "wins pbt,explore"]);
      expect(records[1].slice(-4)).toEqual(["0.5", "0.3", "0.2", "0"]);
      expect(records[2].slice(-4)).toEqual(["0", "0", "0", "1"]);
    });

    it("has the same columns for toy and image runs, empty where a metric does not apply", async () => {
      const image = summarize(await readRun(IMAGE_FIXTURE_RUN));
      const [header, toyRow, imageRow] = parseCsv(formatReport([fixture, image], { format: "csv" }));
      expect(header.slice(0, 21)).toEqual([
        "run", "backend", "dataset", "model", "status", "iterations", "planned iterations", "it/s",
        "modes", "total modes", "high quality", "reverse KL", "MMD2", "FID", "inception score", "class TVD",
        "val accuracy", "test accuracy", "best F", "best F it", "final F",
      ]);
      const toy = Object.fromEntries(header.map((h, i) => [h, toyRow[i]]));
      const img = Object.fromEntries(header.map((h, i) => [h, imageRow[i]]));
      expect(toy).toMatchObject({ dataset: "grid25", model: "mlp", modes: "21", "reverse KL": "0.11", MMD2: "0.0123", FID: "", "inception score": "", "class TVD": "" });
      expect(img).toMatchObject({ dataset: "mnist", model: "dcgan", modes: "", "high quality": "", FID: "61.75", "inception score": "5.1", "class TVD": "0.09", "val accuracy": "", "test accuracy": "", "best F it": "12", "wins minimax": "0.25" });
    });

    it("writes the table's numbers unrounded", () => {
      const row = Object.fromEntries(records[0].map((h, i) => [h, records[1][i]]));
      expect(row).toMatchObject({ status: "finished", iterations: "30", "it/s": "9.5", modes: "21", "total modes": "25", "best F": "5", "final F": "3.5" });
    });
  });

  it("csvField quotes only when needed", () => {
    expect(["plain", "a,b", 'say "hi"', "two\nlines", "cr\r"].map(csvField)).toEqual([
      "plain", '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"',
    ]);
  });

  describe("text", () => {
    const text = formatReport([fixture, hostile], { format: "text" });

    it("shows one aligned table row per run with the win shares", () => {
      const lines = text.split("\n");
      expect(lines[0]).toMatch(/^run\s+status\s+iterations\s+it\/s\s+modes\s+HQ %\s+rKL\s+MMD²\s+best F\s+final F\s+win shares$/);
      expect(lines[1]).toContain("heuristic 50% least-squares 30% minimax 20%");
      expect(lines[0].indexOf("win shares")).toBe(lines[1].indexOf("heuristic"));
    });

    it("prints control characters in names as escapes, so a name cannot break a line", () => {
      expect(text).toContain('a,"b"\\n<script>');
      expect(text).not.toContain(HOSTILE);
    });

    it("has a wins-over-time block per run and the four charts", () => {
      expect(text.match(/^mutation wins over time: /gm)).toHaveLength(2);
      for (const title of ["best survivor F vs iteration", "modes covered vs iteration", "high-quality samples % vs iteration", "D loss vs iteration"]) {
        expect(text).toContain(`\n${title}\n`);
      }
    });
  });

  describe("text with toy and image runs", async () => {
    const image = summarize(await readRun(IMAGE_FIXTURE_RUN));
    const single: RunSummary = { ...fixture, name: "single-loss", mutationWins: [{ mutation: "minimax", wins: 30, share: 1 }] };
    const text = formatReport([fixture, image, single], { format: "text" });
    const lines = text.split("\n");
    const cells = (line: string) => line.split(/\s{2,}/);

    it("shows both metric kinds' columns and the task, with - where a metric does not apply", () => {
      expect(cells(lines[0])).toEqual(["run", "status", "dataset", "model", "iterations", "it/s", "modes", "HQ %", "rKL", "MMD²", "FID", "IS", "TVD", "best F", "final F", "win shares"]);
      expect(cells(lines[1]).slice(0, 13)).toEqual(["run-small", "finished", "grid25", "mlp", "30/30", "9.50", "21/25", "62.0", "0.110", "0.0123", "-", "-", "-"]);
      expect(cells(lines[2]).slice(0, 13)).toEqual(["run-image-small", "finished", "mnist", "dcgan", "12/12", "3.75", "-", "-", "-", "-", "61.75", "5.10", "0.090"]);
    });

    it("has a wins-over-time block only for runs with more than one mutation", () => {
      expect(text.match(/^mutation wins over time: .*$/gm)?.map((l) => l.split(" ")[4])).toEqual(["run-small", "run-image-small"]);
    });

    it("charts toy and image metrics, image ones vs iteration and vs wall time", () => {
      const titles = lines.filter((l, i) => i > 0 && lines[i - 1] === "" && / vs /.test(l));
      expect(titles).toEqual([
        "best survivor F vs iteration", "modes covered vs iteration", "high-quality samples % vs iteration",
        "FID vs iteration", "FID vs wall time", "inception score vs iteration", "inception score vs wall time",
        "class TVD vs iteration", "class TVD vs wall time", "D loss vs iteration",
      ]);
      expect(text).toContain("wall time (s)");
    });
  });

  it("json is the summaries, pretty-printed", () => {
    const json = formatReport([fixture], { format: "json" });
    expect(json).toContain('\n  {\n    "name": "run-small"');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify([fixture])));
  });

  it("json tags each evaluation with its metric kind", async () => {
    const [parsed] = JSON.parse(formatReport([summarize(await readRun(IMAGE_FIXTURE_RUN))], { format: "json" }));
    expect(parsed).toMatchObject({ name: "run-image-small", metricKind: "image", dataset: "mnist", model: "dcgan", finalEval: { kind: "image", fid: 61.75, inceptionScore: 5.1, classTvd: 0.09 } });
    expect(parsed.curves.evals.map((e: { kind: string }) => e.kind)).toEqual(["image", "image", "image"]);
  });
});
