import superjson from 'superjson';
import type { z } from 'zod';
import type { AppDeps } from './deps';
import { cachedLeaderboardPosition, cachedLeaderboardTop, cachedRaceStandings, type Live, live } from './live/live';
import { leaderboardPositionInput, leaderboardTopInput } from './services/leaderboard';
import { raceStandingsInput } from './services/races';

type HotDeps = Pick<AppDeps, 'db' | 'bus' | 'live'>;

/**
 * A public query answered from the read caches. The transport may serve it on a fast path
 * beside tRPC: same input schema, same service, same value — `answer` returns undefined for
 * an input it does not accept, so tRPC answers that request (with its error) instead.
 */
export interface HotQuery {
  answer(deps: HotDeps, input: unknown): Promise<object> | undefined;
}

function hot<S extends z.ZodType, R extends object>(
  schema: S,
  run: (deps: HotDeps, input: z.output<S>) => Promise<R>,
): HotQuery {
  return {
    answer(deps, input) {
      const parsed = schema.safeParse(input);
      return parsed.success ? run(deps, parsed.data) : undefined;
    },
  };
}

/** By procedure path. Each is a `publicProcedure` query doing exactly this, in its router. */
export const hotQueries: Readonly<Record<string, HotQuery>> = {
  'leaderboard.top': hot(leaderboardTopInput, cachedLeaderboardTop),
  'leaderboard.position': hot(leaderboardPositionInput, cachedLeaderboardPosition),
  'races.standings': hot(raceStandingsInput, cachedRaceStandings),
};

/** A procedure input as it travels in a URL (superjson), back to its value. */
export function deserializeInput(text: string): unknown {
  return superjson.deserialize(JSON.parse(text));
}

const wireJson = new WeakMap<object, string>();

/**
 * `value` serialized as the router's transformer puts it on the wire, computed once per object:
 * a cached result is the same object for every request, so it is serialized once, not per hit.
 */
export function toWireJson(value: object): string {
  let json = wireJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(superjson.serialize(value));
    wireJson.set(value, json);
  }
  return json;
}

/** Changes whenever the read caches are cleared; equal values mean nothing cached went stale. */
export function cacheGeneration(deps: Pick<AppDeps, 'bus' | 'live'>): number {
  return live(deps).generation;
}

/** Lookups of each read cache since start (for metrics): hits, misses and current entries. */
export function cacheStats(
  deps: Pick<AppDeps, 'bus' | 'live'>,
): Record<'leaderboard_top' | 'leaderboard_position' | 'race_standings', ReturnType<Live['boards']['stats']>> {
  const caches = live(deps);
  return {
    leaderboard_top: caches.boards.stats(),
    leaderboard_position: caches.positions.stats(),
    race_standings: caches.raceStandings.stats(),
  };
}
