// evogan's own version, from its package.json (two folders up from src/export/, under tsx and in
// the published package alike).
import { readFileSync } from "node:fs";

let version: string | undefined;

export function evoganVersion(): string {
  version ??= String((JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown }).version ?? "unknown");
  return version;
}
