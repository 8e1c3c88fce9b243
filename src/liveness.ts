// Whether a run or sweep that says "running" still has a process behind it. The writer stamps its
// pid and host, and rewrites a heartbeat every HEARTBEAT_MS; a reader calls it "crashed" when, on
// the same host, that pid is gone, or, from anywhere, the heartbeat is older than STALE_MS.
import { hostname } from "node:os";

/** How often a live run rewrites its heartbeat: cheap (one small atomic write), and fine enough for a report. */
export const HEARTBEAT_MS = 10_000;
/** Six missed beats: a loaded machine or a slow disk may delay one or two, never a minute's worth. */
export const STALE_MS = 6 * HEARTBEAT_MS;

export interface OwnerStamp {
  /** The process that writes the run, and the machine it runs on. */
  readonly pid?: number;
  readonly host?: string;
  /** ISO time of the last heartbeat. */
  readonly heartbeatAt?: string;
}

export const ownerStamp = (): { pid: number; host: string } => ({ pid: process.pid, host: hostname() });

/** Signal 0 checks a pid without touching it: ESRCH means no such process; EPERM means it exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface LivenessProbe {
  readonly now: number;
  readonly host: string;
  readonly alive: (pid: number) => boolean;
}

const localProbe = (): LivenessProbe => ({ now: Date.now(), host: hostname(), alive: processAlive });

/** True when a "running" owner is known to be gone. Files written before stamps existed are never called crashed. */
export function ownerGone(stamp: OwnerStamp, probe: LivenessProbe = localProbe()): boolean {
  if (stamp.pid !== undefined && stamp.host === probe.host && !probe.alive(stamp.pid)) return true;
  if (stamp.heartbeatAt !== undefined) {
    const at = Date.parse(stamp.heartbeatAt);
    return Number.isFinite(at) && probe.now - at > STALE_MS;
  }
  return false;
}

/** A status as a reader should show it: "running" whose owner is gone becomes "crashed". */
export function observedStatus<S extends string>(status: S, stamp: OwnerStamp, probe?: LivenessProbe): S | "crashed" {
  return status === "running" && ownerGone(stamp, probe) ? "crashed" : status;
}
