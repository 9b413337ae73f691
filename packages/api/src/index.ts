/**
 * `@goated/api`: the router and its types — what a client compiles against. Everything the
 * server wires around it (context, buses, sync, schedulers) is `@goated/api/server`.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export type { AppRouter } from './root';
export { appRouter } from './root';
export type { Access, ProcedureMeta } from './trpc';

/** Inputs of every procedure, e.g. `RouterInputs['leaderboard']['top']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['races']['standings']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
