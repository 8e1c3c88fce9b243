// The one registry of strategies. The sweep config's `strategy.kind` and the sweep program's
// dispatch read the population strategies from here; the contract tests run every one of them.
// Population strategies share one signature (search-space.ts `PopulationStrategy`): the plan for
// one ready point as plain data. E-GAN's selection (egan.ts) works inside a trainer, not here.
import * as average from "./average.ts";
import * as egan from "./egan.ts";
import * as pbt from "./pbt.ts";
import * as randomSearch from "./random-search.ts";
import type { PopulationStrategy } from "./search-space.ts";

export const POPULATION_STRATEGIES = { pbt: pbt.plan, "random-search": randomSearch.plan, average: average.plan } as const satisfies Record<string, PopulationStrategy>;
export type PopulationStrategyName = keyof typeof POPULATION_STRATEGIES;
export const POPULATION_STRATEGY_NAMES = Object.keys(POPULATION_STRATEGIES) as PopulationStrategyName[];

export const strategies = { egan, pbt, "random-search": randomSearch, average } as const;
export type StrategyName = keyof typeof strategies;
export { average, egan, pbt, randomSearch };
