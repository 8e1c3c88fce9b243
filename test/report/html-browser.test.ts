// The HTML report in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): charts drawn from the data, legend toggling, tooltips, no script injection.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRun } from "../../src/report/read-run.ts";
import { htmlReportFor } from "../../src/report/report.ts";
import { type RunSummary, summarize } from "../../src/report/summarize.ts";
import { copyFixtureRun, makeSweepDir, SWEEP_MEMBERS, type TempDir, tempDir } from "./report-dirs.ts";
import { FIXTURE_RUN } from "./run-dir.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = "/tmp/evogan-report.png";
const HOSTILE = "<img src=x onerror=window.__pwned=1>";
/** Would end the JSON data block early if `<` were not escaped there. */
const HOSTILE_CLOSE = "</script><img src=x onerror=window.__pwned=2>";
const CHART_IDS = ["bestF", "dLoss", "modes-it", "modes-time", "hq-it", "hq-time", "rkl-it", "rkl-time"] as const;

const skip = !existsSync(CHROMIUM) && !process.env.CI;
if (skip) console.warn(`html-browser.test.ts: SKIPPED: ${CHROMIUM} is missing (apt-get install chromium); with CI set this test runs and fails instead`);

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Curve length per chart, as the page should draw it from a summary. */
function curveLength(s: RunSummary, chart: (typeof CHART_IDS)[number]): number {
  if (chart === "bestF") return s.curves.bestF.length;
  if (chart === "dLoss") return s.curves.dLoss.length;
  return s.curves.evals.length;
}

/** Points per path of one chart, by run index, as drawn (M/L commands of `d`). */
const pathPoints = (page: Page, chart: string): Promise<Record<string, number>> =>
  page.$$eval(`[data-chart="${chart}"] path.series`, (paths) =>
    Object.fromEntries(paths.map((p) => [p.getAttribute("data-run") ?? "?", (p.getAttribute("d") ?? "").match(/[ML]/g)?.length ?? 0])),
  );

describe.skipIf(skip)("HTML report in a browser", () => {
  let browser: Browser;
  let runs: TempDir;
  let sweep: TempDir;
  let file: string;
  let summaries: RunSummary[];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must exist when CI is set (apt-get install chromium)`).toBe(true);
    runs = await tempDir();
    sweep = await makeSweepDir();
    const hostileDir = join(runs.dir, "hostile");
    await copyFixtureRun(hostileDir, HOSTILE, { withPlot: true, variant: -1 });
    const closeDir = join(runs.dir, "hostile-close");
    await copyFixtureRun(closeDir, HOSTILE_CLOSE, { variant: -0.5 });
    const dirs = [FIXTURE_RUN, hostileDir, closeDir, sweep.dir];
    file = join(runs.dir, "report.html");
    await writeFile(file, await htmlReportFor(dirs));
    const runDirs = [FIXTURE_RUN, hostileDir, closeDir, ...SWEEP_MEMBERS.map((id) => join(sweep.dir, "members", id))];
    summaries = (await Promise.all(runDirs.map(readRun))).map((r) => summarize(r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await runs?.cleanup();
    await sweep?.cleanup();
  });

  it("draws every run's curves, toggles them from the legend, shows names as text (real Chromium)", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) errors.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

    // Every chart has one path per run, with as many points as the run's curve.
    for (const chart of CHART_IDS) {
      const drawn = await pathPoints(page, chart);
      expect(drawn, chart).toEqual(Object.fromEntries(summaries.map((s, i) => [String(i), curveLength(s, chart)])));
    }
    expect(summaries[0].curves.bestF.length).toBeGreaterThan(3);

    // The hostile name is text in the legend, tables and captions; its onerror never ran.
    expect(await page.evaluate(() => Reflect.get(window, "__pwned"))).toBeUndefined();
    expect(await page.textContent('#legend button[data-run="1"]')).toBe(HOSTILE);
    expect(await page.textContent('#legend button[data-run="2"]')).toBe(HOSTILE_CLOSE);
    expect(await page.textContent("body")).toContain(HOSTILE);
    expect(await page.textContent("body")).toContain(HOSTILE_CLOSE);
    expect(await page.$$('img[src="x"]')).toHaveLength(0);
    expect(await page.$$eval("#samples img", (imgs) => imgs.map((i) => i instanceof HTMLImageElement && i.complete && i.naturalWidth > 0))).toEqual([true, true]);

    // Clicking a legend entry hides that run's curves everywhere; the others stay.
    await page.click('#legend button[data-run="0"]');
    const others = summaries.slice(1).map((_, i) => String(i + 1));
    for (const chart of CHART_IDS) expect(Object.keys(await pathPoints(page, chart)).sort(), chart).toEqual(others);
    expect(await page.getAttribute('#legend button[data-run="0"]', "aria-pressed")).toBe("false");

    // Hovering a point of run 1 shows its name (as text) and value in the tooltip.
    const dot = page.locator('[data-chart="modes-it"] circle.dot[data-run="1"]').first();
    await dot.scrollIntoViewIfNeeded();
    const box = await dot.boundingBox();
    if (!box) throw new Error("no point of run 1 in the modes chart");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator('[data-chart="modes-it"] .tip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.locator(".tip-name").textContent()).toBe(HOSTILE);
    expect(await tip.locator(".tip-value").textContent()).toMatch(/^iteration 10: modes 12$/);

    // Showing it again brings its curves back.
    await page.click('#legend button[data-run="0"]');
    expect(Object.keys(await pathPoints(page, "bestF")).sort()).toEqual(["0", ...others]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(await page.evaluate(() => Reflect.get(window, "__pwned"))).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});
