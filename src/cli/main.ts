// The evogan command line. Commands parse their arguments, run a program, and hand every
// failure to describeExit/describeThrown (src/cli/exit-codes.ts) for its message and exit code.
import { Command, Option } from "commander";
import { Effect, type Exit, Layer } from "effect";
import { BACKEND_CHOICES } from "../compute/backend.ts";
import { loadRunConfig, parseConfigText } from "../config/load-config.ts";
import { progressLayer } from "../orchestrator/progress.ts";
import { runEgan } from "../orchestrator/run-program.ts";
import { exists, RunStore, RunStoreLive } from "../orchestrator/run-store.ts";
import { ConfigInvalid, RunBusy, type RunError } from "../errors.ts";
import { ownerGone } from "../liveness.ts";
import { decodeRunConfig } from "../config/run-config.ts";
import { htmlReportFor, report } from "../report/report.ts";
import { availableParallelism } from "node:os";
import { decodeSweepConfig, loadSweepConfig, type SweepConfig } from "../config/sweep-config.ts";
import { collectDeviceInfo, discoverGpus, discoverWebgpuAdapters, formatDevices, resolveDevices, resolveWebgpuDevices } from "../orchestrator/devices.ts";
import { memberPoolFor } from "../orchestrator/device-pool.ts";
import { localMemberPool, type MemberPool } from "../orchestrator/member-pool.ts";
import { runSweep } from "../orchestrator/sweep-program.ts";
import { SweepStoreLive } from "../orchestrator/sweep-store.ts";
import { workersLayer } from "../orchestrator/workers.ts";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeExit, describeThrown, EXIT, type Failure } from "./exit-codes.ts";
import { sweepQueuePool, type SweepQueueOptions } from "../queue/sweep-queue-pool.ts";
import { redactRedisUrl } from "../queue/queue-protocol.ts";
import { workerCommand } from "./worker-command.ts";
import { positiveInt } from "./option-values.ts";
import { registerClassifierCommands } from "./classifier-command.ts";
import { registerSampleCommands } from "./sample-command.ts";
import { runDryRun, sweepDryRun } from "./dry-run.ts";
import { registerReplayCommands } from "./replay-command.ts";
import { registerExportCommands } from "./export-command.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fail(f: Failure): never {
  process.stderr.write(`evogan: ${f.message}\n`);
  process.exit(f.code);
}

/**
 * Runs a program with SIGINT/SIGTERM interrupting it (the one place signals are handled) and
 * returns its failure, if any, as a message and exit code.
 */
async function interruptible<A, E extends RunError>(program: Effect.Effect<A, E>): Promise<{ exit: Exit.Exit<A, E>; failure: Failure | undefined }> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const exit = await Effect.runPromiseExit(program, { signal: interrupt.signal });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return { exit, failure: describeExit(exit) };
}

/** A single run's services: its run directory, one worker thread, progress on stdout. */
const runLayers = () => Layer.mergeAll(RunStoreLive, workersLayer(async () => localMemberPool(1)), progressLayer());

async function runCommand(configFile: string | undefined, opts: { set: string[]; backend?: string; report: boolean; dryRun?: boolean }): Promise<void> {
  const sets = [...opts.set, ...(opts.backend ? [`backend=${opts.backend}`] : [])];
  const config = await loadRunConfig(configFile, sets).catch((e) => fail(describeThrown(e)));
  if (opts.dryRun) return void process.stdout.write(runDryRun(config));
  let dir: string | undefined;
  const { exit, failure } = await interruptible(runEgan(config, { onDir: (d) => (dir = d) }).pipe(Effect.provide(runLayers())));
  if (failure) fail(failure.code === EXIT.interrupted ? { ...failure, message: interruptedMessage(dir) } : failure);
  if (exit._tag === "Success" && opts.report) {
    process.stdout.write("\n" + (await report([exit.value.run.dir], { format: "text" })));
  }
}

/** Where an interrupted run or sweep continues from (interrupted before its directory existed, nothing was written). */
const interruptedMessage = (dir: string | undefined, resumeOptions = "") =>
  dir ? `interrupted: resume with \`evogan resume ${dir}${resumeOptions}\`` : "interrupted before the run directory was created: nothing was written";

/** `evogan resume` of a single run: its own config.json, from its newest intact checkpoint. */
async function resumeRun(dir: string): Promise<void> {
  const program = Effect.gen(function* () {
    const store = yield* RunStore;
    const { run, config: raw, info } = yield* store.open(dir);
    const config = yield* Effect.try({ try: () => decodeRunConfig(raw), catch: (e) => new ConfigInvalid({ path: join(dir, "config.json"), message: `${join(dir, "config.json")}: ${describeThrown(e).message}` }) });
    if (info?.status === "finished") return { finished: true as const, run };
    if (info?.status === "running" && !ownerGone(info)) {
      return yield* Effect.fail(new RunBusy({ path: dir, message: `${dir} is still running (pid ${info.pid ?? "?"} on ${info.host ?? "?"}): stop it before resuming` }));
    }
    return yield* runEgan(config, { resume: { run, info } });
  });
  const { exit, failure } = await interruptible(program.pipe(Effect.provide(runLayers())));
  if (failure) fail(failure.code === EXIT.interrupted ? { ...failure, message: interruptedMessage(dir) } : failure);
  if (exit._tag === "Success") {
    if ("finished" in exit.value) process.stdout.write(`nothing to resume: ${dir} has finished\n`);
    else process.stdout.write("\n" + (await report([dir], { format: "text" })));
  }
}
/** The pool of a sweep on this machine: its devices (WebGPU adapters on the webgpu backend), `threads` threads (per device). */
async function localSweepPool(config: SweepConfig): Promise<() => Promise<MemberPool>> {
  const cores = config.threads ?? availableParallelism();
  const plan = config.backend === "webgpu" ? resolveWebgpuDevices(config.devices, await discoverWebgpuAdapters(), cores) : resolveDevices(config.devices, await discoverGpus(), cores);
  return () => memberPoolFor(plan, { threadsPerDevice: config.threads ?? 1 });
}

/** Runs a sweep program with its services, SIGINT/SIGTERM interrupting it; maps failures to exit codes. */
async function sweepWith(config: SweepConfig, resumeDir?: string, queue?: SweepQueueOptions): Promise<void> {
  const pool = queue ? await sweepQueuePool(config, queue).catch((e: Error) => fail({ code: EXIT.worker, message: e.message })) : await localSweepPool(config);
  const layers = Layer.mergeAll(SweepStoreLive, workersLayer(pool), progressLayer());
  let dir = resumeDir;
  const { exit, failure } = await interruptible(runSweep(config, resumeDir, (d) => (dir = d)).pipe(Effect.provide(layers)));
  // A queue sweep resumes with its queue (and storage) again.
  const again = queue ? ` --queue ${redactRedisUrl(queue.queue)}${queue.storage ? ` --storage ${queue.storage}` : ""}` : "";
  if (failure?.code === EXIT.interrupted) fail({ ...failure, message: interruptedMessage(dir, again) });
  if (failure?.tag === "PoolLost") fail({ ...failure, message: `${failure.message}; the sweep can be resumed with \`evogan resume ${dir}${again}\`` });
  if (failure) fail(failure);
  if (exit._tag === "Success" && exit.value.alreadyFinished) {
    process.stdout.write(`nothing to resume: ${exit.value.dir} has finished\n`);
  } else if (exit._tag === "Success") {
    const dir = exit.value.dir;
    const members = exit.value.state.members.map((m) => join(dir, "members", m.id));
    process.stdout.write(`\nsweep finished: ${dir}\n` + (await report(members, { format: "text" })));
  }
}

/** `--queue`/`--storage` of sweep and resume: segments go to `evogan worker`s through Redis. */
const queueOptions = (opts: { queue?: string; storage?: string }): SweepQueueOptions | undefined => (opts.queue ? { queue: opts.queue, storage: opts.storage } : undefined);

async function sweepCommand(configFile: string, opts: { set: string[]; queue?: string; storage?: string; dryRun?: boolean }): Promise<void> {
  const config = await loadSweepConfig(configFile, opts.set).catch((e) => fail(describeThrown(e)));
  if (opts.dryRun) return void process.stdout.write(sweepDryRun(config));
  await sweepWith(config, undefined, queueOptions(opts));
}

async function resumeCommand(dir: string, opts: { queue?: string; storage?: string }): Promise<void> {
  // A replay's config.json is a valid run config, but resuming it as a run would train a plain run, not the lineage.
  if (await exists(join(dir, "replay.json"))) fail({ code: EXIT.config, message: `${dir} is a replay (replay.json), which cannot be resumed: remove it and run \`evogan replay\` again` });
  const isSweep = await exists(join(dir, "sweep-config.json"));
  if (!isSweep && (await exists(join(dir, "config.json")))) {
    if (opts.queue) fail({ code: EXIT.config, message: `--queue resumes sweeps; ${dir} is a single run` });
    return resumeRun(dir);
  }
  const raw = await readFile(join(dir, "sweep-config.json"), "utf8").catch(() => fail({ code: EXIT.notFound, message: `not a run or sweep directory: ${dir} (no config.json or sweep-config.json)` }));
  const config = (() => {
    try {
      return decodeSweepConfig(parseConfigText(raw, join(dir, "sweep-config.json")));
    } catch (e) {
      return fail(describeThrown(e));
    }
  })();
  await sweepWith(config, dir, queueOptions(opts));
}

async function devicesCommand(opts: { json?: boolean }): Promise<void> {
  const info = await collectDeviceInfo();
  process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : formatDevices(info));
}

async function reportCommand(runDirs: string[], opts: { format: "text" | "json" | "csv"; html?: string }): Promise<void> {
  const out = await report(runDirs, { format: opts.format }).catch((e) => fail(describeThrown(e)));
  if (opts.html !== undefined) {
    const file = opts.html;
    const page = await htmlReportFor(runDirs, () => undefined).catch((e) => fail(describeThrown(e)));
    await writeFile(file, page).catch((e) => fail({ code: EXIT.io, message: `cannot write ${file}: ${e instanceof Error ? e.message : String(e)}` }));
  }
  process.stdout.write(out.endsWith("\n") ? out : out + "\n");
}

export function buildCli(): Command {
  const program = new Command("evogan").description("Train populations of GANs and let evolution choose the survivors.");
  program
    .command("run")
    .description("run an E-GAN search (no config: the embedded default, E-GAN on grid25)")
    .argument("[config]", "run config (JSON or YAML), e.g. configs/egan-ring8.json")
    .option("--set <key.path=value>", "override a config field before validation (repeatable)", collect, [])
    .addOption(new Option("--backend <name>", "compute backend").choices([...BACKEND_CHOICES]))
    .option("--dry-run", "print the fully resolved config as JSON and exit, writing nothing")
    .option("--no-report", "do not print the report at the end")
    .action(runCommand);
  program
    .command("sweep")
    .description("run a population sweep (PBT or random search) from a sweep config")
    .argument("<config>", "sweep config (JSON or YAML), e.g. configs/sweep-pbt-grid25.json")
    .option("--set <key.path=value>", "override a config field before validation (repeatable)", collect, [])
    .option("--dry-run", "print the resolved sweep config and every member's starting hyperparameters and run config as JSON, and exit, writing nothing")
    .option("--queue <redisUrl>", "train on `evogan worker`s through this Redis queue instead of local workers")
    .option("--storage <uri>", "with --queue: shared storage (file:///path, same path on every worker); default <outDir>/queue-storage")
    .action(sweepCommand);
  program
    .command("resume")
    .description("continue an interrupted run or sweep exactly where it stopped")
    .argument("<dir>", "the run's or sweep's directory")
    .option("--queue <redisUrl>", "train on `evogan worker`s through this Redis queue instead of local workers")
    .option("--storage <uri>", "with --queue: shared storage (file:///path, same path on every worker); default <outDir>/queue-storage")
    .action(resumeCommand);
  program
    .command("worker")
    .description("train sweep segments from a Redis queue (for `evogan sweep --queue`) until SIGINT/SIGTERM")
    .requiredOption("--queue <redisUrl>", "the queue's Redis, e.g. redis://10.0.0.5:6379")
    .option("--devices <devices>", 'what to train on: "auto", "cpu" or GPU indices such as "0,1"', "auto")
    .option("--concurrency <n>", "jobs at once (default: the cores on CPU, one per GPU)", positiveInt)
    .option("--lock-duration <ms>", "a job whose worker is silent this long is run elsewhere (default 30000)", positiveInt)
    .action(workerCommand);
  program.command("devices").description("print the backends and devices evogan sees").option("--json", "print them as JSON").action(devicesCommand);
  program
    .command("report")
    .description("compare runs (finished or still going): table, mutation wins, curves")
    .argument("<runDir...>", "run directories (a sweep directory stands for its members)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "csv"]).default("text"))
    .option("--html <file>", "also write a self-contained HTML report (charts, samples, PBT lineage) to <file>")
    .action(reportCommand);
  registerClassifierCommands(program);
  registerSampleCommands(program);
  registerReplayCommands(program);
  registerExportCommands(program);
  return program;
}

/**
 * Usage errors (an unknown option or command, a bad choice, a missing or extra argument) exit
 * with the config/usage code after commander's one-line message; --help exits 0.
 */
function usageErrorsExit(command: Command): Command {
  command.exitOverride((e) => process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.config));
  command.commands.forEach(usageErrorsExit);
  return command;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await usageErrorsExit(buildCli()).parseAsync(argv);
  } catch (e) {
    fail(describeThrown(e));
  }
  void EXIT;
}
