// What `evogan replay` trains, worked out from a finished sweep's own files before anything
// runs (plan, then apply): the chosen member's lineage as a list of segments.
//
// Lineage. A PBT copy after generation g replaces the target's generators, Adam state and D with
// the source's (src/orchestrator/sweep-program.ts), so the state a member ends with was trained by
// a chain of members: walking back from the last generation, whenever the member so far was the
// target of a decision at g, every segment up to g was trained by that decision's source. Segment
// g of the chain runs with its trainer's settings at generation g — the hyperparameters (each
// copy's are `replayDecision` of the source's, which must agree with the logged decision and with
// the target's next standing), the population plan (the architecture: a copy takes its source's)
// and the seed (the member's own: its evaluations draw from it) — and at a copy the state goes on
// with the target's random stream (STREAM_RESEED, target, g) from the target's iteration count,
// exactly as the sweep carried it out.
//
// Records. The replay's records are the chain's: segment g's iteration records and evaluation are
// the ones its trainer logged for generation g (members/<id>/events.jsonl, K iteration records
// closed by an eval record). After the member's last copy they are the member's own records;
// before it they are its sources' (the member's own log there describes weights it threw away).
import type { Hypers } from "../../strategies/search-space.ts";
import { replayDecision, type ExploitDecision } from "../../strategies/pbt.ts";
import { hyperText, sameValue } from "../../strategies/search-space.ts";
import type { RunConfig } from "../config/run-config.ts";
import { memberPlans, memberRunConfig, type SweepConfig } from "../config/sweep-config.ts";
import { ConfigError, ConfigInvalid, ReplayRefused, RunNotFound } from "../errors.ts";
import { Rng, type RngState } from "../util/rng.ts";
import { STREAM_RESEED } from "./sweep-program.ts";
import type { MemberState, SweepState } from "./sweep-state.ts";

/** One line of a member's events.jsonl, as written. */
export type LoggedRecord = Readonly<Record<string, unknown>>;

export interface LoggedStanding {
  readonly id: string;
  readonly status: string;
  readonly hypers: Hypers;
}

/** A GenerationRecord of sweep.jsonl, the parts a replay reads. */
export interface LoggedGeneration {
  readonly g: number;
  /** Member ids, best first. */
  readonly ranking: readonly string[];
  readonly standings: ReadonlyMap<string, LoggedStanding>;
  readonly decisions: readonly ExploitDecision[];
  /** Members replaced by their mean after this generation (strategies/average.ts). */
  readonly averaged: readonly string[];
}

/** A sweep directory's files, read (src/orchestrator/replay-program.ts reads them). */
export interface SweepLog {
  readonly dir: string;
  readonly config: SweepConfig;
  readonly state: SweepState;
  readonly generations: readonly LoggedGeneration[];
  /** Each member's events.jsonl. */
  readonly events: ReadonlyMap<string, readonly LoggedRecord[]>;
}

/** The state after a segment is copied into `target`: the copy's random stream and iteration count. */
export interface ReplayCopy {
  readonly target: string;
  readonly decision: ExploitDecision;
  readonly rng: RngState;
  readonly it: number;
}

export interface ReplaySegment {
  /** The sweep's generation (0-based). */
  readonly g: number;
  /** The member whose segment this is. */
  readonly member: string;
  readonly seed: number;
  /** Its population plan (architecture, fixed settings) at generation g. */
  readonly plan: number;
  readonly hypers: Hypers;
  /** The run config the segment trains with, as the sweep resolved it. */
  readonly runConfig: RunConfig;
  /** The trainer's iteration count when the segment starts. */
  readonly startIt: number;
  /** What the member logged for the segment: K iteration records and the eval closing them. */
  readonly records: readonly LoggedRecord[];
  /** Set when the state after this segment is copied into another member (a PBT exploit). */
  readonly copy?: ReplayCopy;
}

export interface ReplayPlan {
  readonly member: string;
  /** True when the member was not named: the sweep's best. */
  readonly chosen: boolean;
  readonly segments: readonly ReplaySegment[];
  /** The member's own run config at the end (its final plan and hyperparameters). */
  readonly finalConfig: RunConfig;
  /** The iteration count the member ends at. */
  readonly iterations: number;
  /** The member's checkpoint of the last generation (relative to the sweep directory). */
  readonly checkpoint?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const inconsistent = (path: string, message: string) => new ReplayRefused({ path, reason: "inconsistent", message: `${path}: ${message}` });

/** Whether two hyperparameter sets hold the same names and values. */
export function sameHypers(a: Hypers, b: Hypers): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

const hypersText = (h: Hypers) =>
  Object.entries(h)
    .map(([k, v]) => `${k}=${hyperText(v)}`)
    .join(" ");

/**
 * The GenerationRecords of sweep.jsonl (retry and warning records skipped). The sweep wrote every
 * line whole before it finished, so a line that is not a generation record's shape is an error.
 */
export function parseGenerations(text: string, file: string): LoggedGeneration[] {
  const out: LoggedGeneration[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const at = `line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw inconsistent(file, `${at} is not JSON`);
    }
    if (!isObject(v) || v.type !== "generation") return;
    const standings = Array.isArray(v.standings) ? v.standings : [];
    const decisions = Array.isArray(v.decisions) ? v.decisions : [];
    const ok =
      typeof v.g === "number" &&
      Array.isArray(v.ranking) &&
      v.ranking.every((id) => typeof id === "string") &&
      standings.every((s) => isObject(s) && typeof s.id === "string" && typeof s.status === "string" && isObject(s.hypers)) &&
      decisions.every((d) => isObject(d) && typeof d.target === "string" && typeof d.source === "string" && isObject(d.newHypers) && Array.isArray(d.explored) && d.explored.every((e) => isObject(e) && typeof e.name === "string" && "from" in e && "to" in e));
    if (!ok) throw inconsistent(file, `${at} is not a whole generation record (g, ranking, standings, decisions)`);
    out.push({
      g: v.g as number,
      ranking: v.ranking as string[],
      standings: new Map((standings as LoggedStanding[]).map((s) => [s.id, { id: s.id, status: s.status, hypers: s.hypers }])),
      decisions: decisions as ExploitDecision[],
      averaged: Array.isArray(v.averaged) ? v.averaged.filter((id): id is string => typeof id === "string") : [],
    });
  });
  return out;
}

/** The lines of an events.jsonl, each a JSON object. */
export function parseEvents(text: string, file: string): LoggedRecord[] {
  return text.split("\n").flatMap((line, i) => {
    if (line.trim() === "") return [];
    try {
      const v: unknown = JSON.parse(line);
      if (isObject(v)) return [v];
    } catch {
      // reported below
    }
    throw inconsistent(file, `line ${i + 1} is not a JSON record`);
  });
}

/**
 * The sweep's best member by its fitness at the end: the first of the last generation's ranking
 * (the order PBT selects by: fitness, then the sweep's tie-break metric, then member order) that
 * ended active.
 */
export function bestMember(log: SweepLog): string | undefined {
  const active = new Set(log.state.members.filter((m) => m.status === "active").map((m) => m.id));
  return (log.generations.at(-1)?.ranking ?? []).find((id) => active.has(id));
}

/**
 * The segments that reproduce `member`'s final state (default: the sweep's best), checked against
 * the log as they are derived. Throws ReplayRefused (the sweep or member did not finish; the log
 * contradicts itself), RunNotFound (no such member) or ConfigInvalid (the stored config no longer
 * resolves a member).
 */
export function planReplay(log: SweepLog, requested?: string): ReplayPlan {
  const { dir, config, state } = log;
  const sweepLog = `${dir}/sweep.jsonl`;
  const G = state.generationsDone;
  if (state.status !== "finished") {
    throw new ReplayRefused({
      path: dir,
      reason: "unfinished",
      message: `${dir} has not finished (status ${state.status}, ${G} of ${config.generations} generations): a replay follows a finished sweep; resume it first with \`evogan resume ${dir}\``,
    });
  }
  if (G === 0) throw new ReplayRefused({ path: dir, reason: "unfinished", message: `${dir} finished without completing a generation: there is nothing to replay` });
  const gens = log.generations;
  if (gens.length !== G || gens.some((gen, i) => gen.g !== i)) {
    throw inconsistent(sweepLog, `holds generations ${gens.map((gen) => gen.g).join(", ") || "none"}, but sweep.json says ${G} were completed`);
  }
  const mean = gens.find((gen) => gen.averaged.length > 0);
  if (mean) {
    throw new ReplayRefused({ path: dir, reason: "averaged", message: `${dir} averaged its members' states (first after generation ${mean.g}): a replay follows one member's lineage of copies, and a mean has none` });
  }
  const byId = new Map(state.members.map((m) => [m.id, m]));
  const member = requested ?? bestMember(log);
  if (member === undefined) throw new ReplayRefused({ path: dir, reason: "unfinished", message: `no member of ${dir} ended active: there is no best member to replay` });
  const final = byId.get(member);
  if (!final) throw new RunNotFound({ path: `${dir}/members/${member}`, message: `no member "${member}" in sweep ${dir} (its members: ${state.members.map((m) => m.id).join(", ")})` });
  if (final.status !== "active") {
    throw new ReplayRefused({ path: dir, reason: "unfinished", message: `member ${member} of ${dir} ended ${final.status}: only a member that trained to the end can be replayed` });
  }
  const K = config.segment.iterations;
  const plans = memberPlans(config.population);
  const memberOf = (id: string, g: number): MemberState => {
    const m = byId.get(id);
    if (!m) throw inconsistent(sweepLog, `generation ${g} names member "${id}", which sweep.json does not hold`);
    return m;
  };
  const standing = (id: string, g: number): LoggedStanding => {
    const s = gens[g].standings.get(id);
    if (!s) throw inconsistent(sweepLog, `generation ${g} has no standing for member ${id}`);
    return s;
  };

  /** The records `id` logged for generation g: its n-th evaluated segment, K iterations closed by an eval. */
  const segmentRecords = (id: string, g: number): { startIt: number; records: LoggedRecord[] } => {
    const file = `${dir}/members/${id}/events.jsonl`;
    const events = log.events.get(id) ?? [];
    const n = gens.slice(0, g + 1).filter((gen) => gen.standings.get(id)?.status === "active").length;
    const ev = events.filter((e) => e.type === "eval")[n - 1];
    if (!ev || typeof ev.it !== "number") throw inconsistent(file, `has no evaluation for generation ${g} (evaluated segment ${n})`);
    const endIt = ev.it;
    const startIt = endIt - K;
    const its = events.filter((e) => e.type === "iteration" && typeof e.it === "number" && e.it > startIt && e.it <= endIt);
    if (its.length !== K) throw inconsistent(file, `generation ${g}: ${its.length} iteration records in (${startIt}, ${endIt}], expected ${K}`);
    return { startIt, records: [...its, ev] };
  };

  const resolve = (m: MemberState, plan: number, hypers: Hypers): RunConfig => {
    try {
      return memberRunConfig(config.population, { ...plans[plan], id: plans[m.index].id }, plan, hypers, config, m.seed);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const file = `${dir}/sweep-config.json`;
      throw new ConfigInvalid({ path: file, message: `${file}: ${e.message}` });
    }
  };

  // The lineage, walking back from the member's final state: owners[g] trained segment g.
  const owners: string[] = [];
  const copies = new Map<number, ExploitDecision>();
  let current = member;
  for (let g = G - 1; g >= 0; g--) {
    const d = gens[g].decisions.find((x) => x.target === current);
    if (d) {
      copies.set(g, d);
      current = d.source;
    }
    owners[g] = current;
  }

  // Every member's plan at each generation: its own until it copies another's (all decisions, in order).
  const planOf = new Map(state.members.map((m) => [m.id, m.index]));
  const plansAt: Array<ReadonlyMap<string, number>> = [];
  for (const gen of gens) {
    plansAt.push(new Map(planOf));
    for (const d of gen.decisions) planOf.set(d.target, planOf.get(d.source) ?? memberOf(d.source, gen.g).index);
  }
  if (planOf.get(member) !== (final.plan ?? final.index)) {
    throw inconsistent(`${dir}/sweep.json`, `member ${member} runs plan ${final.plan ?? final.index}, but the decisions in sweep.jsonl give it plan ${planOf.get(member)}`);
  }

  // Forward along the chain: each segment's settings, checked against the standings as they go.
  let hypers: Hypers = standing(owners[0], 0).hypers;
  const segments: ReplaySegment[] = [];
  for (let g = 0; g < G; g++) {
    const id = owners[g];
    const m = memberOf(id, g);
    const s = standing(id, g);
    if (s.status !== "active") throw inconsistent(sweepLog, `generation ${g}: ${id} ended ${s.status}, yet its state is in ${member}'s lineage`);
    if (!sameHypers(s.hypers, hypers)) throw inconsistent(sweepLog, `generation ${g}: ${id} trained with ${hypersText(s.hypers)}, but its lineage gives ${hypersText(hypers)}`);
    const plan = plansAt[g].get(id) ?? m.index;
    const { startIt, records } = segmentRecords(id, g);
    const d = copies.get(g);
    let copy: ReplayCopy | undefined;
    if (d) {
      let next: Hypers;
      try {
        next = replayDecision(hypers, d);
      } catch (e) {
        throw inconsistent(sweepLog, `generation ${g}: ${(e as Error).message}`);
      }
      if (!sameHypers(next, d.newHypers)) throw inconsistent(sweepLog, `generation ${g}: ${d.target} copied ${id} with ${hypersText(d.newHypers)}, but its explorations give ${hypersText(next)}`);
      const target = memberOf(d.target, g);
      // The copy goes on from the target's own count: where its next segment starts (the end: its final count).
      const it = g + 1 < G ? segmentRecords(d.target, g + 1).startIt : target.iterations;
      copy = { target: d.target, decision: d, rng: new Rng(config.seed, STREAM_RESEED, target.index, g).state(), it };
      hypers = next;
    }
    segments.push({ g, member: id, seed: m.seed, plan, hypers: s.hypers, runConfig: resolve(m, plan, s.hypers), startIt, records, copy });
  }
  if (!sameHypers(hypers, final.hypers)) {
    throw inconsistent(`${dir}/sweep.json`, `member ${member} ends with ${hypersText(final.hypers)}, but its lineage in sweep.jsonl gives ${hypersText(hypers)}`);
  }
  return {
    member,
    chosen: requested === undefined,
    segments,
    finalConfig: resolve(final, final.plan ?? final.index, final.hypers),
    iterations: final.iterations,
    checkpoint: final.checkpoint,
  };
}

/** The lineage in one line: "m2 (gen 1–2) → m3 (gen 3)", generations 1-based as the sweep prints them. */
export function lineageText(segments: readonly ReplaySegment[]): string {
  const runs: Array<{ member: string; from: number; to: number }> = [];
  for (const s of segments) {
    const last = runs.at(-1);
    // A copy always changes the member (no member copies itself), so a run of one member is one stretch.
    if (last && last.member === s.member) last.to = s.g + 1;
    else runs.push({ member: s.member, from: s.g + 1, to: s.g + 1 });
  }
  const tail = segments.at(-1)?.copy;
  return [...runs.map((r) => `${r.member} (gen ${r.from === r.to ? r.from : `${r.from}–${r.to}`})`), ...(tail ? [`${tail.target} (copied after gen ${segments.length})`] : [])].join(" → ");
}
