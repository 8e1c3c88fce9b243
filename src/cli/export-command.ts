// `evogan export <runDir> --format safetensors -o G.safetensors [--what g,ema,d,e]`: a run's
// networks from its newest intact checkpoint, as a safetensors file that PyTorch (or numpy)
// reads without evogan (src/export/export-weights.ts says what goes in and under which names).
import { Command, InvalidArgumentError, Option } from "commander";
import { CliError } from "../errors.ts";
import { evoganVersion } from "../export/evogan-version.ts";
import { exportWeights, partName, PARTS, type Part } from "../export/export-weights.ts";
import { newestRunWeights } from "../orchestrator/newest-checkpoint.ts";
import { encodeSafetensors } from "../export/safetensors.ts";
import { writeFileAtomic } from "../orchestrator/checkpoint-file.ts";
import { EXIT, exitWith } from "./exit-codes.ts";

interface ExportOptions {
  readonly format: "safetensors";
  readonly output: string;
  readonly what?: Part[];
}

/** `--what g,ema,d`: the parts, each once; "g_ema" (its prefix in the file) is "ema". */
function parts(value: string): Part[] {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => (s === "g_ema" ? "ema" : s));
  const unknown = names.filter((s) => !(PARTS as readonly string[]).includes(s));
  if (names.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`expected a comma-separated list of ${PARTS.join(", ")}${unknown.length > 0 ? `, got ${unknown.join(", ")}` : ""}`);
  return [...new Set(names)] as Part[];
}

async function exportCommand(runDir: string, o: ExportOptions): Promise<void> {
  const run = await newestRunWeights(runDir);
  for (const e of run.passedOver) process.stderr.write(`evogan: warning: ${e.message}; exporting the older ${run.file}\n`);
  const { tensors, metadata, parts } = exportWeights(run, o.what, evoganVersion());
  await writeFileAtomic(o.output, encodeSafetensors(tensors, metadata)).catch((e: NodeJS.ErrnoException) => {
    // Node's message ends with the temporary file's name, which would only confuse: cut it.
    throw new CliError(EXIT.io, `cannot write ${o.output}: ${e.message.replace(/, \w+ '.*'$/, "")}`);
  });
  process.stdout.write(`wrote ${o.output}: ${parts.map(partName).join(", ")} of ${run.name} at iteration ${run.it}, ${tensors.length} tensors in ${metadata.layout} layout\n`);
}

export function registerExportCommands(program: Command): void {
  program
    .command("export")
    .description("write a run's generator (with its EMA copy; optionally D and E) as safetensors that PyTorch and numpy load")
    .argument("<runDir>", "a run's directory, or a sweep member's (<sweep>/members/<id>)")
    .addOption(new Option("--format <format>", "file format").choices(["safetensors"]).default("safetensors"))
    .requiredOption("-o, --output <file>", "file to write, e.g. G.safetensors")
    .option("--what <parts>", `networks, comma-separated, of ${PARTS.join(", ")} (default: g, and ema when the run has one)`, parts)
    .action((runDir: string, o: ExportOptions) => exitWith(() => exportCommand(runDir, o)));
}
