// The HTML report in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): charts drawn from the data (toy and image metrics, mutation wins), legend
// toggling, tooltips, no script injection, no console errors.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRun } from "../../src/report/read-run.ts";
import { htmlReportFor } from "../../src/report/report.ts";
import { type EvalPoint, type RunSummary, summarize } from "../../src/report/summarize.ts";
import { copyFixtureRun, makeSweepDir, SWEEP_MEMBERS, type TempDir, tempDir } from "./report-dirs.ts";
import { FIXTURE_RUN, IMAGE_FIXTURE_RUN } from "./run-dir.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = "/tmp/evogan-report.png";
const HOSTILE = "<img src=x onerror=window.__pwned=1>";
/** Would end the JSON data block early if `<` were not escaped there. */
const HOSTILE_CLOSE = "</script><img src=x onerror=window.__pwned=2>";
/** A mutation name, shown in the hostile-close run's wins chart legend and tooltips. */
const HOSTILE_MUTATION = "<img src=x onerror=window.__pwned=3>";
const TOY_CHARTS = ["modes-it", "modes-time", "hq-it", "hq-time", "rkl-it", "rkl-time"] as const;
const IMAGE_CHARTS = ["fid-it", "fid-time", "is-it", "is-time", "tvd-it", "tvd-time"] as const;
const CHART_IDS = ["bestF", "dLoss", ...TOY_CHARTS, ...IMAGE_CHARTS] as const;
/** Index of the image run among the report's runs. */
const IMAGE_RUN = 3;

const skip = !existsSync(CHROMIUM) && !process.env.CI;
if (skip) console.warn(`html-browser.test.ts: SKIPPED: ${CHROMIUM} is missing (apt-get install chromium); with CI set this test runs and fails instead`);

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const kindOf = (chart: string): EvalPoint["kind"] => (IMAGE_CHARTS.some((c) => c === chart) ? "image" : "toy");

/** Curve length per chart, as the page should draw it from a summary. */
function curveLength(s: RunSummary, chart: (typeof CHART_IDS)[number]): number {
  if (chart === "bestF") return s.curves.bestF.length;
  if (chart === "dLoss") return s.curves.dLoss.length;
  return s.curves.evals.filter((e) => e.kind === kindOf(chart)).length;
}

/** Points per run index that a chart should draw; a run with no points has no path. */
const expectedPaths = (summaries: readonly RunSummary[], chart: (typeof CHART_IDS)[number], skip?: number): Record<string, number> =>
  Object.fromEntries(summaries.flatMap((s, i) => (i === skip || curveLength(s, chart) === 0 ? [] : [[String(i), curveLength(s, chart)]])));

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
    await copyFixtureRun(closeDir, HOSTILE_CLOSE, { variant: -0.5, minimaxAs: HOSTILE_MUTATION });
    const dirs = [FIXTURE_RUN, hostileDir, closeDir, IMAGE_FIXTURE_RUN, sweep.dir];
    file = join(runs.dir, "report.html");
    await writeFile(file, await htmlReportFor(dirs));
    const runDirs = [FIXTURE_RUN, hostileDir, closeDir, IMAGE_FIXTURE_RUN, ...SWEEP_MEMBERS.map((id) => join(sweep.dir, "members", id))];
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

    // Every chart has one path per run with data for it, with as many points as the run's curve;
    // toy metric charts draw the toy runs, image metric charts (FID, IS, TVD) the image run.
    for (const chart of CHART_IDS) expect(await pathPoints(page, chart), chart).toEqual(expectedPaths(summaries, chart));
    expect(summaries[0].curves.bestF.length).toBeGreaterThan(3);
    expect(await pathPoints(page, "fid-it")).toEqual({ [IMAGE_RUN]: 3 });
    expect(await pathPoints(page, "modes-it")).not.toHaveProperty(String(IMAGE_RUN));

    // The hostile name is text in the legend, tables and captions; its onerror never ran.
    expect(await page.evaluate(() => Reflect.get(window, "__pwned"))).toBeUndefined();
    expect(await page.textContent('#legend button[data-run="1"]')).toBe(HOSTILE);
    expect(await page.textContent('#legend button[data-run="2"]')).toBe(HOSTILE_CLOSE);
    expect(await page.textContent("body")).toContain(HOSTILE);
    expect(await page.textContent("body")).toContain(HOSTILE_CLOSE);
    expect(await page.$$('img[src="x"]')).toHaveLength(0);
    // The hostile run's scatter plot, the image run's sample grid, m0's scatter plot: all decoded.
    expect(await page.$$eval("#samples img", (imgs) => imgs.map((i) => i instanceof HTMLImageElement && i.complete && i.naturalWidth > 0))).toEqual([true, true, true]);

    // Clicking a legend entry hides that run's curves everywhere; the others stay.
    await page.click('#legend button[data-run="0"]');
    for (const chart of CHART_IDS) expect(await pathPoints(page, chart), chart).toEqual(expectedPaths(summaries, chart, 0));
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

    // Hovering the image run's last FID point shows its value.
    const fidDot = page.locator(`[data-chart="fid-it"] circle.dot[data-run="${IMAGE_RUN}"]`).last();
    await fidDot.scrollIntoViewIfNeeded();
    const fidBox = await fidDot.boundingBox();
    if (!fidBox) throw new Error("no FID point of the image run");
    await page.mouse.move(fidBox.x + fidBox.width / 2, fidBox.y + fidBox.height / 2);
    expect(await page.locator('[data-chart="fid-it"] .tip-value').textContent()).toBe("iteration 12: FID 61.75");

    // Showing run 0 again brings its curves back.
    await page.click('#legend button[data-run="0"]');
    expect(await pathPoints(page, "bestF")).toEqual(expectedPaths(summaries, "bestF"));

    // The image run's mutation-wins chart: one path per mutation over the 10 windows; its own
    // legend hides a mutation there only; hovering shows the window and the share.
    const wins = `[data-chart="wins-${IMAGE_RUN}"]`;
    const winPaths = () => page.$$eval(`${wins} path.series`, (paths) => paths.map((p) => [p.getAttribute("data-mutation"), (p.getAttribute("d") ?? "").match(/[ML]/g)?.length ?? 0]));
    expect(await winPaths()).toEqual([["heuristic", 10], ["least-squares", 10], ["minimax", 10]]);
    expect(await page.$$(`${wins} path.series`)).toHaveLength(3);
    expect(await page.$$('[data-chart="wins-0"] path.series')).toHaveLength(3);
    await page.click(`[data-wins-run="${IMAGE_RUN}"] button[data-mutation-index="0"]`);
    expect((await winPaths()).map((p) => p[0])).toEqual(["least-squares", "minimax"]);
    expect(await page.$$('[data-chart="wins-0"] path.series')).toHaveLength(3);
    const winDot = page.locator(`${wins} circle.dot[data-mutation="least-squares"]`).last();
    await winDot.scrollIntoViewIfNeeded();
    const winBox = await winDot.boundingBox();
    if (!winBox) throw new Error("no least-squares point in the wins chart");
    await page.mouse.move(winBox.x + winBox.width / 2, winBox.y + winBox.height / 2);
    expect(await page.locator(`${wins} .tip-name`).textContent()).toBe("least-squares");
    expect(await page.locator(`${wins} .tip-value`).textContent()).toBe("iterations 11-12: 100%");

    // A hostile mutation name is text in its wins chart's legend and a plain attribute on its path.
    expect(await page.$$eval('[data-wins-run="2"] .legend-entry', (bs) => bs.map((b) => b.textContent))).toContain(HOSTILE_MUTATION);
    expect(await page.$$eval('[data-chart="wins-2"] path.series', (ps) => ps.map((p) => p.getAttribute("data-mutation")))).toContain(HOSTILE_MUTATION);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(await page.evaluate(() => Reflect.get(window, "__pwned"))).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});
