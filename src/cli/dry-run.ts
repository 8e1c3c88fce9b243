// `--dry-run` of `evogan run` and `evogan sweep`: the fully resolved config as JSON on stdout, and
// nothing written. A run's is the config it would train with (family defaults filled in, `--set`
// applied; its name as configured: a taken name gets its -2 only when the directory is made). A
// sweep's is `{ sweep, members }`: the sweep config with its population inline, and every member
// as the sweep would start it (id, seed, initial hyperparameters, resolved run config), drawn by
// the same function the sweep uses.
import type { RunConfig } from "../config/run-config.ts";
import { memberPlans, memberRunConfig, type HyperValue, type SweepConfig } from "../config/sweep-config.ts";
import { initialMembers } from "../orchestrator/sweep-program.ts";

export function runDryRun(config: RunConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface DryRunMember {
  readonly id: string;
  readonly seed: number;
  readonly hypers: Readonly<Record<string, HyperValue>>;
  readonly config: RunConfig;
}

export function sweepMembers(config: SweepConfig): DryRunMember[] {
  const plans = memberPlans(config.population);
  // Slots only say which worker holds a member: one is as good as any for what members start with.
  return initialMembers(config, 1).map((m) => ({ id: m.id, seed: m.seed, hypers: m.hypers, config: memberRunConfig(config.population, plans[m.index], m.index, m.hypers, config, m.seed) }));
}

export function sweepDryRun(config: SweepConfig): string {
  return `${JSON.stringify({ sweep: config, members: sweepMembers(config) }, null, 2)}\n`;
}
