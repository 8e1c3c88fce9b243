import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { escapeHtml, jsonForScript } from "../../src/report/escape-html.ts";
import { expandRunDirs } from "../../src/report/expand-run-dirs.ts";
import { htmlReport } from "../../src/report/html-report.ts";
import { readLatestPlot } from "../../src/report/latest-plot.ts";
import { readRun } from "../../src/report/read-run.ts";
import { htmlReportFor } from "../../src/report/report.ts";
import { type RunSummary, summarize } from "../../src/report/summarize.ts";
import type { SweepLineage } from "../../src/report/sweep-lineage.ts";
import { copyFixtureRun, makeSweepDir, samplePng, SWEEP_MEMBERS, type TempDir, tempDir } from "./report-dirs.ts";
import { FIXTURE_RUN, IMAGE_FIXTURE_RUN } from "./run-dir.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
const track = (t: TempDir): TempDir => (cleanups.push(t.cleanup), t);

const DATA_BLOCK = /<script type="application\/json" id="evogan-data">([\s\S]*?)<\/script>/;

/** The JSON text of the data block, and the page without it. */
function split(html: string): { json: string; rest: string } {
  const m = DATA_BLOCK.exec(html);
  if (m === null) throw new Error("no evogan-data block");
  return { json: m[1], rest: html.replace(m[0], "") };
}

const fixtureSummary = async (): Promise<RunSummary> => summarize(await readRun(FIXTURE_RUN));

const renamed = (s: RunSummary, name: string): RunSummary => ({ ...s, name });

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters and nothing else", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    expect(escapeHtml("plain – text ✓ \u2028")).toBe("plain – text ✓ \u2028");
  });
});

describe("jsonForScript", () => {
  it("escapes <, >, &, U+2028 and U+2029 and still parses back to the value", () => {
    const value = { s: "</script><!-- & \u2028\u2029 >", n: [1, 2.5, null] };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain("\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\u003e");
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe("htmlReport", () => {
  it("references nothing outside the page: no remote src/href/url(), no http(s) URL but the SVG namespace", async () => {
    const html = htmlReport([await fixtureSummary()], { sampleGrids: [{ it: 30, path: "samples/it-000030.png", png: samplePng() }] });
    expect(html).not.toMatch(/\b(?:src|href|action|poster|srcset)\s*=\s*["']?\s*(?!data:)[a-z][a-z0-9+.-]*:/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*\/\//i);
    expect(html).not.toMatch(/url\(|@import|<link\b|<iframe\b|<object\b|<embed\b/i);
    expect(html.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:\/\//i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/);
  });

  it("allows the inline chart script by its sha256 in the Content-Security-Policy", async () => {
    const html = htmlReport([await fixtureSummary()]);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0], "utf8").digest("base64");
    expect(html).toContain(`script-src 'sha256-${hash}'`);
  });

  it("carries the summaries and the lineage as JSON that parses back to them", async () => {
    const s = await fixtureSummary();
    const lineage: SweepLineage[] = [{ name: "sw", members: ["a", "b"], generations: [{ g: 0, ranking: ["a", "b"], standings: [{ id: "a", fitness: 1, status: "active" }, { id: "b", fitness: null, status: "diverged" }], decisions: [] }] }];
    const summaries = [s, renamed(s, "second \u2028 run")];
    const { json } = split(htmlReport(summaries, { lineage }));
    expect(JSON.parse(json)).toEqual({ runs: summaries, lineage });
  });

  it("shows hostile run, mutation and sweep names only escaped, and keeps them inside the JSON block as \\u003c", async () => {
    const s = await fixtureSummary();
    const evil1 = "<script>alert(1)</script>";
    const evil2 = "</script><script>alert(2)</script>";
    const evilMutation = "<img src=x onerror=alert(3)>";
    const withMutation: RunSummary = { ...renamed(s, evil2), mutationWins: [{ mutation: evilMutation, wins: 1, share: 1 }], winsOverTime: [{ fromIt: 1, toIt: 2, slots: 1, shares: { [evilMutation]: 1 } }] };
    const lineage: SweepLineage[] = [{ name: evil1, members: [evil2], generations: [{ g: 0, ranking: [evil2], standings: [{ id: evil2, fitness: 1, status: "active" }], decisions: [{ target: evil2, source: evil1, reason: evilMutation, oldHypers: { [evil1]: "a" }, newHypers: { [evil1]: evil2 } }] }] }];
    const html = htmlReport([renamed(s, evil1), withMutation], { lineage, sampleGrids: [undefined, { it: 30, path: "p.png", png: samplePng() }] });
    const { json, rest } = split(html);
    for (const evil of [evil1, evil2, evilMutation]) {
      expect(rest).not.toContain(evil);
      expect(rest).toContain(escapeHtml(evil));
      expect(json).not.toContain(evil);
    }
    expect(json).toContain("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
    expect(json).toContain("\\u003c/script\\u003e\\u003cscript\\u003ealert(2)\\u003c/script\\u003e");
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<img/gi)).toHaveLength(1);
  });

  it("has the text report's columns and the mutation wins per window", async () => {
    const html = htmlReport([await fixtureSummary()]);
    for (const h of ["run", "status", "iterations", "it/s", "modes", "HQ %", "rKL", "MMD²", "best F", "final F", "win shares"]) expect(html).toMatch(new RegExp(`<th[^>]*>${h}</th>`));
    expect(html).toMatch(/<td><span class="swatch"[^>]*><\/span>run-small<\/td>/);
    expect(html).toMatch(/<td class="num">30\/30<\/td>/);
    expect(html).toMatch(/heuristic 50% least-squares 30% minimax 20%/);
    expect(html).toMatch(/<th class="num">1-3<\/th>/);
  });
});

describe("image runs", () => {
  it("add the task and FID, IS and TVD columns, with - where a metric does not apply", async () => {
    const image = summarize(await readRun(IMAGE_FIXTURE_RUN));
    const html = htmlReport([await fixtureSummary(), image]);
    const header = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]).slice(0, 16);
    expect(header).toEqual(["run", "status", "dataset", "model", "iterations", "it/s", "modes", "HQ %", "rKL", "MMD²", "FID", "IS", "TVD", "best F", "final F", "win shares"]);
    expect(html).toMatch(/run-image-small<\/td><td>finished<\/td><td>mnist<\/td><td>dcgan<\/td><td class="num">12\/12<\/td><td class="num">3\.75<\/td><td class="num">-<\/td><td class="num">-<\/td><td class="num">-<\/td><td class="num">-<\/td><td class="num">61\.75<\/td><td class="num">5\.10<\/td><td class="num">0\.090<\/td>/);
  });

  it("embed their latest sample grid, drawn pixelated", async () => {
    const html = await htmlReportFor([IMAGE_FIXTURE_RUN]);
    const png = await readFile(join(IMAGE_FIXTURE_RUN, "samples", "it-000012.png"));
    expect(html).toContain(`<figure class="sample image"><img alt="samples of run-image-small at iteration 12" src="data:image/png;base64,${png.toString("base64")}">`);
  });
});

describe("mutation wins chart", () => {
  it("gets a slot per run with a choice of mutations, and a note for a single-mutation run", async () => {
    const s = await fixtureSummary();
    const single = { ...renamed(s, "single"), mutationWins: [{ mutation: "minimax", wins: 30, share: 1 }] };
    const html = htmlReport([s, single]);
    expect(html.match(/<div class="wins-chart" data-wins-run="\d+"><\/div>/g)).toEqual(['<div class="wins-chart" data-wins-run="0"></div>']);
    expect(html).toContain('<p class="muted">one mutation (minimax): no choice to chart</p>');
  });
});

describe("scatter plots", () => {
  it("embeds the last eval record's PNG as a data: URI and skips runs without one", async () => {
    const t = track(await tempDir());
    await copyFixtureRun(join(t.dir, "a"), "with-plot", { withPlot: true });
    const html = await htmlReportFor([FIXTURE_RUN, join(t.dir, "a")]);
    const png = await readFile(join(t.dir, "a", "samples", "it-000030.png"));
    expect(html).toContain(`src="data:image/png;base64,${png.toString("base64")}"`);
    expect(html.match(/<img /g)).toHaveLength(1);
    expect(await readLatestPlot(await readRun(FIXTURE_RUN))).toBeUndefined();
  });

  it("ignores a plot path outside the run directory", async () => {
    const run = await readRun(FIXTURE_RUN);
    const escaping = { ...run, events: run.events.map((e) => (e.type === "eval" ? { ...e, plot: "../run-small/config.json" } : e)) };
    expect(await readLatestPlot(escaping)).toBeUndefined();
  });
});

describe("sweep directories", () => {
  it("expand to their members and bring their lineage, skipping a torn last line", async () => {
    const sweep = track(await makeSweepDir());
    const { runDirs, lineage } = await expandRunDirs([FIXTURE_RUN, sweep.dir]);
    expect(runDirs).toEqual([FIXTURE_RUN, ...SWEEP_MEMBERS.map((id) => join(sweep.dir, "members", id))]);
    expect(lineage).toHaveLength(1);
    expect(lineage[0].name).toBe("pbt-test");
    expect(lineage[0].generations.map((g) => g.g)).toEqual([0, 1]);
    expect(lineage[0].generations[0].decisions[0]).toEqual({ target: "m2", source: "m0", reason: "bottom-quantile", oldHypers: { lr: 0.001, loss: "bce" }, newHypers: { lr: 0.0012, loss: "bce" } });
    expect(lineage[0].generations[1].standings[2].fitness).toBeNull();
  });

  it("render the lineage: who copied whom, the hyperparameter changes, and the tree", async () => {
    const sweep = track(await makeSweepDir());
    const html = await htmlReportFor([sweep.dir]);
    expect(html).toContain('<section id="lineage">');
    expect(html).toMatch(/<tr><td>0<\/td><td>m2<\/td><td>m0<\/td><td>bottom-quantile<\/td><td>lr: 0\.001 → 0\.0012<\/td><\/tr>/);
    expect(html).toMatch(/<tr><td>1<\/td><td>m1<\/td><td>m0<\/td><td>diverged<\/td><td>\(none\)<\/td><\/tr>/);
    expect(html.match(/<line class="copy"/g)).toHaveLength(2);
    expect(html.match(/<line class="keep"/g)).toHaveLength(4);
  });

  it("work through the CLI: --html writes the page and the text report still prints", async () => {
    const sweep = track(await makeSweepDir());
    const out = join(sweep.dir, "report.html");
    const bin = new URL("../../src/cli/bin.js", import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "report", sweep.dir, FIXTURE_RUN, "--html", out]);
    expect(stdout.split("\n")[0]).toMatch(/^run\s+status\s+iterations/);
    for (const name of [...SWEEP_MEMBERS, "run-small"]) expect(stdout).toMatch(new RegExp(`^${name}\\s`, "m"));
    const page = await readFile(out, "utf8");
    expect(JSON.parse(split(page).json).runs.map((r: RunSummary) => r.name)).toEqual([...SWEEP_MEMBERS, "run-small"]);
    expect(page).toContain('<section id="lineage">');
  });
});
