// Population throughput: member-segments per second with 1 and 2 worker slots, and the
// orchestrator's overhead (the share of slot time not spent in worker compute), through the
// real CLI. Population: 4 E-GAN members on grid25 (G/D 3 × 512), random search (no exploit).
//   node --import tsx bench/population-throughput.ts [--segment 100] [--generations 3]
// Writes bench/results/population-throughput.jsonl.
import { spawnSync } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { segment: { type: "string", default: "100" }, generations: { type: "string", default: "3" }, members: { type: "string", default: "4" } } });
const bin = new URL("../src/cli/bin.js", import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), "evogan-throughput-"));
const results = [];
for (const threads of [1, 2]) {
  const config = {
    name: `throughput-${threads}`,
    outDir: dir,
    devices: "cpu",
    threads,
    population: { base: { task: { dataset: "grid25" } }, members: Number(values.members), hyperparameters: {} },
    strategy: { kind: "random-search" },
    generations: Number(values.generations),
    segment: { iterations: Number(values.segment) },
    eval: { samples: 2500 },
  };
  const file = join(dir, `throughput-${threads}.json`);
  await writeFile(file, JSON.stringify(config));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, "sweep", file], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`sweep with ${threads} thread(s) failed: ${r.stderr}`);
  const gens = (await readFile(join(dir, `throughput-${threads}`, "sweep.jsonl"), "utf8"))
    .split("\n")
    .filter((l) => l.includes('"type":"generation"'))
    .map((l) => JSON.parse(l) as { elapsedMs: number; computeMs: number });
  const loopMs = gens.reduce((s, g) => s + g.elapsedMs, 0);
  const computeMs = gens.reduce((s, g) => s + g.computeMs, 0);
  const segments = gens.length * Number(values.members);
  const row = {
    threads,
    segmentsPerSec: (segments / loopMs) * 1000,
    itersPerSec: ((segments * Number(values.segment)) / loopMs) * 1000,
    overhead: 1 - computeMs / (threads * loopMs),
    processWallMs: Math.round(wallMs),
    loopMs: Math.round(loopMs),
  };
  console.log(`${threads} worker slot(s): ${row.segmentsPerSec.toFixed(3)} member-segments/s (${row.itersPerSec.toFixed(1)} member-iterations/s), orchestrator overhead ${(100 * row.overhead).toFixed(1)}% of slot time; whole process ${(wallMs / 1000).toFixed(1)} s`);
  results.push(row);
}
console.log(`2 slots / 1 slot: ${(results[1].segmentsPerSec / results[0].segmentsPerSec).toFixed(2)}x`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/population-throughput.jsonl", import.meta.url), JSON.stringify({ date: new Date().toISOString(), segment: Number(values.segment), members: Number(values.members), results }) + "\n");
