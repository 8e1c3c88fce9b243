// `evogan sample <runDir>` draws a grid of images from an image run's generator (its EMA copy
// when it has one), optionally truncated or of one class; of a CycleGAN run, a grid of test images
// (domain A's, or B's with --direction BtoA), each beside its translation; `evogan reconstruct <runDir>` shows
// test images beside G(E(x)) for a BigBiGAN run. Both load the run's newest intact checkpoint
// (final, else latest, else previous; a sweep member's newest recorded one) into one worker, as
// training does, and ask it for images.
import { Command, Option } from "commander";
import { join } from "node:path";
import { newestRunWeights } from "../orchestrator/newest-checkpoint.ts";
import { BACKEND_CHOICES, type BackendChoice } from "../compute/backend.ts";
import { writeFileAtomic } from "../orchestrator/checkpoint-file.ts";
import { localMemberPool } from "../orchestrator/member-pool.ts";
import { renderImageGrid, renderPairGrid } from "../report/image-grid.ts";
import { isImageMember, type EganMemberConfig, type ImagesResult, type MemberState, type WorkerTask } from "../worker/protocol.ts";
import { CliError, isEvoganError } from "../errors.ts";
import { EXIT, exitWith } from "./exit-codes.ts";
import { nonNegativeInt, positiveInt, positiveNumber } from "./option-values.ts";

/** The newest intact checkpoint of an image run or sweep member (src/orchestrator/newest-checkpoint.ts), saying which damaged ones it passed over. */
async function runCheckpoint(runDir: string): Promise<{ config: EganMemberConfig; state: MemberState }> {
  const run = await newestRunWeights(runDir);
  for (const e of run.passedOver) process.stderr.write(`evogan: warning: ${e.message}; using the older ${run.file}\n`);
  return imageRun(runDir, run.config, run.state);
}

function imageRun(runDir: string, config: EganMemberConfig, state: MemberState): { config: EganMemberConfig; state: MemberState } {
  if (!isImageMember(config)) throw new CliError(EXIT.config, `${runDir} is a toy run; its scatter plots are in ${join(runDir, "samples")}`);
  return { config, state };
}

/** Loads the run into a one-thread worker pool and runs one image task there. */
async function imagesFrom(runDir: string, backend: BackendChoice, task: WorkerTask): Promise<ImagesResult> {
  const { config, state } = await runCheckpoint(runDir);
  const pool = localMemberPool(1);
  try {
    await pool.run(0, { kind: "init", memberId: task.memberId, backend, config, state });
    return await pool.run<ImagesResult>(0, task);
  } catch (e) {
    // evogan's own errors (a missing backend, a crashed worker) keep their codes; the worker's other refusals are the command's.
    throw isEvoganError(e) ? e : new CliError(EXIT.config, e instanceof Error ? e.message : String(e));
  } finally {
    await pool.destroy();
  }
}

/** A CycleGAN's translation directions, as --direction takes them. */
const DIRECTIONS = ["AtoB", "BtoA"] as const;

interface SampleOptions {
  readonly n: number;
  readonly direction: (typeof DIRECTIONS)[number];
  readonly truncation?: number;
  readonly class?: number;
  readonly ema: boolean;
  readonly seed: number;
  readonly output: string;
  readonly backend: BackendChoice;
}

async function sample(runDir: string, o: SampleOptions): Promise<void> {
  const r = await imagesFrom(runDir, o.backend, { kind: "sample", memberId: "sample", n: o.n, seed: o.seed, truncation: o.truncation, classLabel: o.class, ema: o.ema, direction: o.direction });
  const { height, width, channels } = r.shape;
  if (r.originals) {
    const count = await writePairs(o.output, r);
    const [from, to] = o.direction === "AtoB" ? ["A", "B"] : ["B", "A"];
    process.stdout.write(`wrote ${o.output}: ${count} test images of domain ${from}, each beside its translation to domain ${to}, iteration ${r.iteration}\n`);
    return;
  }
  await writeFileAtomic(o.output, renderImageGrid(r.images, o.n, height, width, channels as 1 | 3, { scale: 2 }));
  process.stdout.write(`wrote ${o.output}: ${o.n} samples at iteration ${r.iteration}${o.truncation ? `, truncation ${o.truncation}` : ""}${o.class !== undefined ? `, class ${o.class}` : ""}\n`);
}

interface ReconstructOptions {
  readonly n: number;
  readonly output: string;
  readonly backend: BackendChoice;
  readonly ema: boolean;
}

/** Writes each of `r.originals` beside its image in `r.images` (columns alternate: at most 8 pairs a row); returns the pairs' count. */
async function writePairs(output: string, r: ImagesResult): Promise<number> {
  const { height, width, channels } = r.shape;
  await writeFileAtomic(output, renderPairGrid(r.originals!, r.images, height, width, channels as 1 | 3, { scale: 2 }));
  return r.images.length / (height * width * channels);
}

async function reconstruct(runDir: string, o: ReconstructOptions): Promise<void> {
  const r = await imagesFrom(runDir, o.backend, { kind: "reconstruct", memberId: "reconstruct", n: o.n, ema: o.ema });
  const count = await writePairs(o.output, r);
  process.stdout.write(`wrote ${o.output}: ${count} test images, each beside its reconstruction G(E(x)), iteration ${r.iteration}\n`);
}

export function registerSampleCommands(program: Command): void {
  const backend = () => new Option("--backend <name>", "compute backend").choices([...BACKEND_CHOICES]).default("auto");
  program
    .command("sample")
    .description("draw a grid of images from an image run's generator (its EMA copy when it has one); of a CycleGAN run, test images beside their translations")
    .argument("<runDir>", "an image run's directory")
    .option("--n <count>", "number of images (CycleGAN: of test images, each shown with its translation)", positiveInt, 64)
    .option("--truncation <t>", "truncation trick: resample |z| beyond t", positiveNumber)
    .option("--class <k>", "one class for every image (conditional models)", nonNegativeInt)
    .option("--no-ema", "sample from the generator itself, not its EMA copy")
    .option("--seed <s>", "seed of z (CycleGAN: of the test images chosen)", nonNegativeInt, 0)
    .addOption(new Option("--direction <d>", "CycleGAN: translate domain A's test images with G (AtoB) or domain B's with F (BtoA)").choices([...DIRECTIONS]).default("AtoB"))
    .requiredOption("-o, --output <file>", "PNG file to write")
    .addOption(backend())
    .action((runDir: string, o: SampleOptions) => exitWith(() => sample(runDir, o)));
  program
    .command("reconstruct")
    .description("BigBiGAN, augmented BiGAN: test images beside their reconstructions G(E(x))")
    .argument("<runDir>", "a BigBiGAN run's directory")
    .option("--n <count>", "number of test images", positiveInt, 32)
    .option("--no-ema", "decode with the generator itself, not its EMA copy")
    .requiredOption("-o, --output <file>", "PNG file to write")
    .addOption(backend())
    .action((runDir: string, o: ReconstructOptions) => exitWith(() => reconstruct(runDir, o)));
}
