// `evogan replay <sweepDir> [--member id] [--out dir]`: one run that follows a finished sweep
// member's PBT lineage — its hyperparameter schedule and the weights it copied at each exploit —
// (src/orchestrator/replay-program.ts), then the run's report. SIGINT/SIGTERM stop it, and a
// stopped replay removes its directory (it is not resumed: run it again).
import { Command } from "commander";
import { Effect, Layer } from "effect";
import { localMemberPool } from "../orchestrator/member-pool.ts";
import { progressLayer } from "../orchestrator/progress.ts";
import { replayMember } from "../orchestrator/replay-program.ts";
import { RunStoreLive } from "../orchestrator/run-store.ts";
import { workersLayer } from "../orchestrator/workers.ts";
import { report } from "../report/report.ts";
import { describeExit, describeThrown, EXIT, exitWith } from "./exit-codes.ts";

interface ReplayOptions {
  readonly member?: string;
  readonly out?: string;
  readonly report: boolean;
}

/** A replay's services: its run directory, one worker thread (one member trains at a time), progress on stdout. */
const replayLayers = () => Layer.mergeAll(RunStoreLive, workersLayer(async () => localMemberPool(1)), progressLayer());

async function replay(sweepDir: string, o: ReplayOptions): Promise<void> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const exit = await Effect.runPromiseExit(replayMember(sweepDir, { member: o.member, outDir: o.out }).pipe(Effect.provide(replayLayers())), { signal: interrupt.signal });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  const failure = describeExit(exit);
  if (failure) {
    const message = failure.code === EXIT.interrupted ? "interrupted: the replay's directory was removed (a replay is not resumed; run it again)" : failure.message;
    process.stderr.write(`evogan: ${message}\n`);
    process.exit(failure.code);
  }
  if (exit._tag === "Success" && o.report) process.stdout.write("\n" + (await report([exit.value.run.dir], { format: "text" }).catch((e) => describeThrown(e).message)));
}

export function registerReplayCommands(program: Command): void {
  program
    .command("replay")
    .description("train one run that follows a finished PBT sweep member's lineage: its hyperparameter schedule and the weights it copied at each exploit")
    .argument("<sweepDir>", "a finished sweep's directory")
    .option("--member <id>", "the member to replay (default: the sweep's best by its final fitness)")
    .option("--out <dir>", "where the replay's run directory <sweep>-replay-<member> is made (default: beside the sweep)")
    .option("--no-report", "do not print the report at the end")
    .action((sweepDir: string, o: ReplayOptions) => exitWith(() => replay(sweepDir, o)));
}
