// The floor of evogan's MNIST FID: real images that no reference statistic was computed on (the
// test split; the reference is 10,000 training images), scored exactly as a generator's samples
// are (bench/fresh-eval.ts's scorer). A generator that matched MNIST perfectly would score about
// this, so it is what the FIDs of the MNIST tables should be read against.
//
//   node --import tsx bench/real-fid.ts [--shuffles 0,1,2]
//
// n = 1000: ten disjoint sets of 1,000 test images under each shuffle seed; n = 10,000: the whole
// test split. Figures go to stdout and bench/results/real-fid.jsonl.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadImageData } from "../src/data/image-dataset.ts";
import { mean, sd } from "./evogan-cli.ts";
import { BIG, mnistScorer, PER_IMAGE as PER } from "./fresh-eval.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({ options: { shuffles: { type: "string", default: "0,1,2" } } });
const shuffles = values.shuffles.split(",").map(Number);
const score = await mnistScorer();

const fid1k: number[] = [];
for (const seed of shuffles) {
  const test = loadImageData("mnist", "test", { seed });
  for (let k = 0; k + 1000 <= test.count; k += 1000) fid1k.push((await score(test.images.slice(k * PER, (k + 1000) * PER))).fid);
}
const whole = loadImageData("mnist", "test");
if (whole.count !== BIG) throw new Error(`mnist test split: expected ${BIG} images, got ${whole.count}`);
const big = await score(whole.images);

const record = {
  date: new Date().toISOString(), machine: cpuModel(), commit: gitCommit(),
  command: `node --import tsx bench/real-fid.ts ${process.argv.slice(2).join(" ")}`.trim(),
  shuffles, fid1k: { mean: mean(fid1k), sd: sd(fid1k), min: Math.min(...fid1k), max: Math.max(...fid1k), sets: fid1k.length },
  fid10k: big.fid, inceptionScore: big.inceptionScore, classTvd: big.classTvd,
};
console.log(`real MNIST test images against evogan's reference: FID n=1000 ${record.fid1k.mean.toFixed(2)} ± ${record.fid1k.sd.toFixed(2)} (${record.fid1k.min.toFixed(2)}–${record.fid1k.max.toFixed(2)}, ${fid1k.length} sets)  n=10000 ${big.fid.toFixed(2)}  IS ${big.inceptionScore.toFixed(2)}  TVD ${big.classTvd.toFixed(3)}`);
await appendFile(join(new URL(".", import.meta.url).pathname, "results", "real-fid.jsonl"), JSON.stringify(record) + "\n");
