// The single list of strategies the CLI, the config schema and the contract tests read from.
import * as egan from "./egan.ts";

export const strategies = { egan } as const;
export type StrategyName = keyof typeof strategies;
export { egan };
