// Compares sweeps generation by generation: best and median fitness (the toy score), and the
// best member's modes and high-quality share, from each sweep's sweep.jsonl.
//   node --import tsx bench/sweep-comparison.ts <sweepDir> <sweepDir> ... [--out bench/results/sweep-comparison.md]
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { GenerationRecord } from "../src/orchestrator/sweep-state.ts";
import { isToyMetrics } from "../src/records.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string", default: "bench/results/sweep-comparison.md" } } });
const rows: string[] = ["| sweep | generation | best fitness | best member (modes, HQ) | median fitness | exploit decisions |", "|---|---|---|---|---|---|"];
for (const dir of positionals) {
  const gens = (await readFile(`${dir}/sweep.jsonl`, "utf8"))
    .split("\n")
    .filter((l) => l.includes('"type":"generation"'))
    .map((l) => JSON.parse(l) as GenerationRecord);
  for (const g of gens) {
    const fit = g.standings.map((s) => (s.fitness === null ? NaN : s.fitness)).filter((f) => Number.isFinite(f)).sort((a, b) => a - b);
    const best = [...g.standings].sort((a, b) => (b.fitness ?? -Infinity) - (a.fitness ?? -Infinity))[0];
    const median = fit.length ? (fit[Math.floor((fit.length - 1) / 2)] + fit[Math.ceil((fit.length - 1) / 2)]) / 2 : NaN;
    const m = best.metrics && isToyMetrics(best.metrics) ? best.metrics : undefined;
    rows.push(`| ${basename(dir)} | ${g.g + 1} | ${best.fitness.toFixed(3)} | ${best.id} (${m ? `${m.modes}/${m.totalModes}, ${(100 * m.highQuality).toFixed(1)}%` : "-"}) | ${median.toFixed(3)} | ${g.decisions.length} |`);
  }
}
const text = [`# Sweeps compared (${new Date().toISOString()})`, "", `\`node --import tsx bench/sweep-comparison.ts ${positionals.join(" ")}\``, "", "Fitness: the toy score modes/K + high-quality − reverseKL/ln K (higher is better, at most 2).", "", ...rows, ""].join("\n");
console.log(text);
await writeFile(values.out, text);
