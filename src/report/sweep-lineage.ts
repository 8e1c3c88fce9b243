// The PBT lineage of a sweep directory, read from `sweep.jsonl` (see src/orchestrator/sweep-state.ts):
// one GenerationRecord per finished generation, whose `decisions` say which member copied which.
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { HyperValue } from "../config/sweep-config.ts";

export type Hypers = Readonly<Record<string, HyperValue>>;

export interface LineageDecision {
  /** The member that was replaced. */
  readonly target: string;
  /** The member it copied (weights, optimizer state, discriminator). */
  readonly source: string;
  readonly reason: string;
  readonly oldHypers: Hypers;
  readonly newHypers: Hypers;
}

export interface LineageStanding {
  readonly id: string;
  /** null for a diverged or failed member (NaN in the sweep, null in JSON). */
  readonly fitness: number | null;
  readonly status: string;
}

export interface LineageGeneration {
  readonly g: number;
  /** Member ids, best first. */
  readonly ranking: readonly string[];
  readonly standings: readonly LineageStanding[];
  readonly decisions: readonly LineageDecision[];
}

export interface SweepLineage {
  readonly name: string;
  /** Member ids in the sweep's order. */
  readonly members: readonly string[];
  readonly generations: readonly LineageGeneration[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const isHyperScalar = (v: unknown): boolean => typeof v === "number" || typeof v === "string" || typeof v === "boolean";
const isHyperValue = (v: unknown): v is HyperValue => isHyperScalar(v) || (Array.isArray(v) && v.every(isHyperScalar));

function hypers(v: unknown): Hypers {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, HyperValue] => isHyperValue(e[1])));
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

function decision(v: unknown): LineageDecision[] {
  if (!isObject(v) || typeof v.target !== "string" || typeof v.source !== "string") return [];
  const reason = typeof v.reason === "string" ? v.reason : "";
  return [{ target: v.target, source: v.source, reason, oldHypers: hypers(v.oldHypers), newHypers: hypers(v.newHypers) }];
}

function standing(v: unknown): LineageStanding[] {
  if (!isObject(v) || typeof v.id !== "string") return [];
  const fitness = typeof v.fitness === "number" && Number.isFinite(v.fitness) ? v.fitness : null;
  return [{ id: v.id, fitness, status: typeof v.status === "string" ? v.status : "" }];
}

function generation(v: unknown): LineageGeneration[] {
  if (!isObject(v) || v.type !== "generation" || typeof v.g !== "number") return [];
  const list = (key: string): unknown[] => {
    const items = v[key];
    return Array.isArray(items) ? items : [];
  };
  return [{ g: v.g, ranking: strings(v.ranking), standings: list("standings").flatMap(standing), decisions: list("decisions").flatMap(decision) }];
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * GenerationRecords of `sweep.jsonl`, in order. Lines that are not JSON (a sweep still writing its
 * last line) and records of other types (retries, warnings) are skipped.
 */
export function parseSweepLog(text: string): LineageGeneration[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => generation(parseLine(l)));
}

async function exists(path: string, kind: "file" | "dir"): Promise<boolean> {
  try {
    const s = await stat(path);
    return kind === "file" ? s.isFile() : s.isDirectory();
  } catch {
    return false;
  }
}

/** A sweep directory holds `sweep.jsonl` and a `members/` folder of run directories. */
export async function isSweepDir(dir: string): Promise<boolean> {
  return (await exists(join(dir, "sweep.jsonl"), "file")) && (await exists(join(dir, "members"), "dir"));
}

async function stateOf(dir: string): Promise<{ name?: string; members: string[] }> {
  try {
    const state: unknown = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    if (!isObject(state)) return { members: [] };
    const members = Array.isArray(state.members) ? state.members.flatMap((m) => (isObject(m) && typeof m.id === "string" ? [m.id] : [])) : [];
    return { name: typeof state.name === "string" ? state.name : undefined, members };
  } catch {
    return { members: [] };
  }
}

/**
 * The sweep's lineage and its members (as in sweep.json, or else the `members/` folders by
 * name). Only members that already have a run.json are listed, so a sweep that has just started
 * still reports.
 */
export async function readSweepLineage(dir: string): Promise<SweepLineage> {
  const [log, state, folders] = await Promise.all([readFile(join(dir, "sweep.jsonl"), "utf8"), stateOf(dir), readdir(join(dir, "members"))]);
  const ids = state.members.length > 0 ? state.members : [...folders].sort();
  const present = await Promise.all(ids.map((id) => exists(join(dir, "members", id, "run.json"), "file")));
  return { name: state.name ?? basename(dir), members: ids.filter((_, i) => present[i]), generations: parseSweepLog(log) };
}
