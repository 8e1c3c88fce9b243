// A sweep's PBT lineage as HTML: a table of who copied whom per generation with the
// hyperparameter changes, and an SVG tree (members as lanes, generations as rows). Every id and
// value is escaped; the markup is static, no script needed.
import { hyperText, sameValue } from "../../strategies/search-space.ts";
import type { HyperValue } from "../config/sweep-config.ts";
import { escapeHtml } from "./escape-html.ts";
import type { Hypers, LineageDecision, SweepLineage } from "./sweep-lineage.ts";
import { formatNumber } from "./terminal-chart.ts";

const hyperCell = (v: HyperValue | undefined): string => (v === undefined ? "-" : typeof v === "number" ? formatNumber(v) : hyperText(v));

/** "name: old → new" for every hyperparameter whose value changed, in name order. */
export function hyperChanges(before: Hypers, after: Hypers): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names.filter((n) => !sameValue(before[n], after[n])).map((n) => `${n}: ${hyperCell(before[n])} → ${hyperCell(after[n])}`);
}

function decisionRow(g: number, d: LineageDecision): string {
  const changes = hyperChanges(d.oldHypers, d.newHypers);
  const cells = [String(g), d.target, d.source, d.reason, changes.length === 0 ? "(none)" : changes.join("; ")];
  return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
}

function lineageTable(lineage: SweepLineage): string {
  const head = ["generation", "replaced", "copied from", "reason", "hyperparameter changes"].map((h) => `<th>${h}</th>`).join("");
  const rows = lineage.generations.flatMap((gen) =>
    gen.decisions.length === 0 ? [`<tr><td>${gen.g}</td><td colspan="4" class="muted">no copies</td></tr>`] : gen.decisions.map((d) => decisionRow(gen.g, d)),
  );
  if (rows.length === 0) return `<p class="muted">No generation has finished yet.</p>`;
  return `<table class="lineage"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const LANE = 96;
const ROW = 40;
const LEFT = 56;
const TOP = 44;

const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 11)}…` : id);

/** Lanes: the sweep's members, then any id that only the log mentions. */
function lanesOf(lineage: SweepLineage): string[] {
  const logged = lineage.generations.flatMap((g) => [...g.standings.map((s) => s.id), ...g.decisions.flatMap((d) => [d.target, d.source])]);
  return [...new Set([...lineage.members, ...logged])];
}

/**
 * Row g (0..G-1) is each member after generation g's training; row G is the population now. An
 * edge from row g to g+1 is a grey line down a lane, or, for a member replaced at g, an orange
 * edge from the lane of the member it copied.
 */
function lineageTree(lineage: SweepLineage): string {
  const lanes = lanesOf(lineage);
  const gens = lineage.generations;
  if (gens.length === 0 || lanes.length === 0) return "";
  const x = (id: string) => LEFT + lanes.indexOf(id) * LANE + LANE / 2;
  const y = (row: number) => TOP + row * ROW;
  const width = LEFT + lanes.length * LANE;
  const height = TOP + gens.length * ROW + 16;
  const parts: string[] = [];
  lanes.forEach((id) => parts.push(`<text class="lane" x="${x(id)}" y="${TOP - 20}" text-anchor="middle"><title>${escapeHtml(id)}</title>${escapeHtml(shortId(id))}</text>`));
  gens.forEach((gen, row) => {
    parts.push(`<text class="gen" x="${LEFT - 10}" y="${y(row) + 4}" text-anchor="end">g${gen.g}</text>`);
    const copied = new Map(gen.decisions.map((d) => [d.target, d]));
    for (const id of lanes) {
      const d = copied.get(id);
      const from = d === undefined ? id : d.source;
      const cls = d === undefined ? "keep" : "copy";
      const tip = d === undefined ? "" : `<title>${escapeHtml(`g${gen.g}: ${d.target} copied ${d.source} (${d.reason})`)}</title>`;
      parts.push(`<line class="${cls}" x1="${x(from)}" y1="${y(row)}" x2="${x(id)}" y2="${y(row + 1)}">${tip}</line>`);
    }
  });
  parts.push(`<text class="gen" x="${LEFT - 10}" y="${y(gens.length) + 4}" text-anchor="end">now</text>`);
  gens.forEach((gen, row) => {
    const replaced = new Set(gen.decisions.map((d) => d.target));
    for (const s of gen.standings) {
      const fitness = s.fitness === null ? "diverged" : formatNumber(s.fitness);
      const cls = replaced.has(s.id) ? "node replaced" : "node";
      parts.push(`<circle class="${cls}" cx="${x(s.id)}" cy="${y(row)}" r="6"><title>${escapeHtml(`${s.id} after g${gen.g}: fitness ${fitness}`)}</title></circle>`);
    }
  });
  lanes.forEach((id) => parts.push(`<circle class="node now" cx="${x(id)}" cy="${y(gens.length)}" r="4"/>`));
  const label = escapeHtml(`PBT lineage of ${lineage.name}`);
  return `<div class="scroll"><svg class="tree" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join("")}</svg></div>`;
}

/** The lineage section body of one sweep: heading, tree and table. */
export function lineageHtml(lineage: SweepLineage): string {
  return [
    `<h3>sweep ${escapeHtml(lineage.name)}</h3>`,
    `<p class="muted">Each generation the worst members copy a better one (orange edges) and continue with its hyperparameters after exploration; filled red nodes were replaced.</p>`,
    lineageTree(lineage),
    lineageTable(lineage),
  ].join("\n");
}
