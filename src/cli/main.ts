// The evogan command line. Commands parse their arguments, run a program, and hand every
// failure to describeExit/describeThrown (src/cli/exit-codes.ts) for its message and exit code.
import { Command, Option } from "commander";
import { Effect, Layer } from "effect";
import { BACKEND_CHOICES } from "../compute/backend.ts";
import { loadRunConfig } from "../config/load-config.ts";
import { progressLayer } from "../orchestrator/progress.ts";
import { runEgan } from "../orchestrator/run-program.ts";
import { RunStoreLive } from "../orchestrator/run-store.ts";
import { trainerPoolLayer } from "../orchestrator/trainer-pool.ts";
import { report } from "../report/report.ts";
import { describeExit, describeThrown, EXIT, type Failure } from "./exit-codes.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fail(f: Failure): never {
  process.stderr.write(`evogan: ${f.message}\n`);
  process.exit(f.code);
}

async function runCommand(configFile: string | undefined, opts: { set: string[]; backend?: string; report: boolean }): Promise<void> {
  const sets = [...opts.set, ...(opts.backend ? [`backend=${opts.backend}`] : [])];
  const config = await loadRunConfig(configFile, sets).catch((e) => fail(describeThrown(e)));
  // One member for now: one worker thread.
  const layers = Layer.mergeAll(RunStoreLive, trainerPoolLayer(1), progressLayer());
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const exit = await Effect.runPromiseExit(runEgan(config).pipe(Effect.provide(layers)), { signal: interrupt.signal });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  const failure = describeExit(exit);
  if (failure) fail(failure);
  if (exit._tag === "Success" && opts.report) {
    process.stdout.write("\n" + (await report([exit.value.run.dir], { format: "text" })));
  }
}

async function reportCommand(runDirs: string[], opts: { format: "text" | "json" | "csv" }): Promise<void> {
  const out = await report(runDirs, { format: opts.format }).catch((e) => fail(describeThrown(e)));
  process.stdout.write(out.endsWith("\n") ? out : out + "\n");
}

export function buildCli(): Command {
  const program = new Command("evogan").description("Train populations of GANs and let evolution choose the survivors.");
  program
    .command("run")
    .description("run an E-GAN search (no config: the embedded default, E-GAN on grid25)")
    .argument("[config]", "run config (JSON), e.g. configs/egan-ring8.json")
    .option("--set <key.path=value>", "override a config field before validation (repeatable)", collect, [])
    .addOption(new Option("--backend <name>", "compute backend").choices([...BACKEND_CHOICES]))
    .option("--no-report", "do not print the report at the end")
    .action(runCommand);
  program
    .command("report")
    .description("compare runs (finished or still going): table, mutation wins, curves")
    .argument("<runDir...>", "run directories")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "csv"]).default("text"))
    .action(reportCommand);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    fail(describeThrown(e));
  }
  void EXIT;
}
