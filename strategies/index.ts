// The single list of strategies the CLI, the config schema and the contract tests read from.
// Population strategies (pbt, random-search) export a `plan(members, space, options, rng)`
// with the same shape; the contract suite runs every strategy that has one.
import * as egan from "./egan.ts";
import * as pbt from "./pbt.ts";
import * as randomSearch from "./random-search.ts";

export const strategies = { egan, pbt, "random-search": randomSearch } as const;
export type StrategyName = keyof typeof strategies;
export { egan, pbt, randomSearch };
