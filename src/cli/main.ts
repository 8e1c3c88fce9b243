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
import { htmlReportFor, report } from "../report/report.ts";
import { availableParallelism } from "node:os";
import { decodeSweepConfig, loadSweepConfig, type SweepConfig } from "../config/sweep-config.ts";
import { collectDeviceInfo, discoverGpus, formatDevices, resolveDevices } from "../orchestrator/devices.ts";
import { memberPoolFor } from "../orchestrator/device-pool.ts";
import { runSweep } from "../orchestrator/sweep-program.ts";
import { SweepStoreLive } from "../orchestrator/sweep-store.ts";
import { workersLayer } from "../orchestrator/workers.ts";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
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

/** Runs a sweep program with its services, SIGINT/SIGTERM interrupting it; maps failures to exit codes. */
async function sweepWith(config: SweepConfig, resumeDir?: string): Promise<void> {
  const plan = resolveDevices(config.devices, await discoverGpus(), config.threads ?? availableParallelism());
  const threads = plan.kind === "cpu" ? (config.threads ?? plan.threads) : plan.devices.length;
  const pool = () => memberPoolFor(plan.kind === "cpu" ? { kind: "cpu", threads } : plan, { threadsPerDevice: config.threads ?? 1 });
  const layers = Layer.mergeAll(SweepStoreLive, workersLayer(pool), progressLayer());
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const exit = await Effect.runPromiseExit(runSweep(config, resumeDir).pipe(Effect.provide(layers)), { signal: interrupt.signal });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  const failure = describeExit(exit);
  if (failure) fail(failure.code === EXIT.interrupted ? { ...failure, message: `interrupted: resume with \`evogan resume ${resumeDir ?? "<sweep dir>"}\`` } : failure);
  if (exit._tag === "Success") {
    const dir = exit.value.dir;
    const members = exit.value.state.members.map((m) => join(dir, "members", m.id));
    process.stdout.write(`\nsweep finished: ${dir}\n` + (await report(members, { format: "text" })));
  }
}

async function sweepCommand(configFile: string, opts: { set: string[] }): Promise<void> {
  const config = await loadSweepConfig(configFile, opts.set).catch((e) => fail(describeThrown(e)));
  await sweepWith(config);
}

async function resumeCommand(dir: string): Promise<void> {
  const raw = await readFile(join(dir, "sweep-config.json"), "utf8").catch(() => fail({ code: EXIT.notFound, message: `not a sweep directory: ${dir} (no sweep-config.json)` }));
  const config = (() => {
    try {
      return decodeSweepConfig(JSON.parse(raw));
    } catch (e) {
      return fail(describeThrown(e));
    }
  })();
  await sweepWith(config, dir);
}

async function devicesCommand(): Promise<void> {
  process.stdout.write(formatDevices(await collectDeviceInfo()));
}

async function reportCommand(runDirs: string[], opts: { format: "text" | "json" | "csv"; html?: string }): Promise<void> {
  const out = await report(runDirs, { format: opts.format }).catch((e) => fail(describeThrown(e)));
  if (opts.html !== undefined) {
    const file = opts.html;
    const page = await htmlReportFor(runDirs).catch((e) => fail(describeThrown(e)));
    await writeFile(file, page).catch((e) => fail({ code: EXIT.io, message: `cannot write ${file}: ${e instanceof Error ? e.message : String(e)}` }));
  }
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
    .command("sweep")
    .description("run a population sweep (PBT or random search) from a sweep config")
    .argument("<config>", "sweep config (JSON), e.g. configs/sweep-pbt-grid25.json")
    .option("--set <key.path=value>", "override a config field before validation (repeatable)", collect, [])
    .action(sweepCommand);
  program.command("resume").description("continue an interrupted sweep exactly where it stopped").argument("<sweepDir>", "the sweep's directory").action(resumeCommand);
  program.command("devices").description("print the backends and devices evogan sees").action(devicesCommand);
  program
    .command("report")
    .description("compare runs (finished or still going): table, mutation wins, curves")
    .argument("<runDir...>", "run directories (a sweep directory stands for its members)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "csv"]).default("text"))
    .option("--html <file>", "also write a self-contained HTML report (charts, samples, PBT lineage) to <file>")
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
