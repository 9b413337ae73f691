import type { Period } from '@goated/validators';
import type { TrackedEnvelope } from '@trpc/server';
import type { z } from 'zod';
import type { AppDeps, LiveOptions } from '../deps';
import type { EventBus } from '../events/bus';
import {
  type LeaderboardPage,
  type LeaderboardPosition,
  leaderboardPosition,
  type leaderboardPositionInput,
  leaderboardTop,
  type leaderboardTopInput,
} from '../services/leaderboard';
import { type Mvps, mvpOf, mvpPeriods } from '../services/mvps';
import { getRaceStandings, type RaceStandings, type raceStandingsInput } from '../services/races';
import { vipLadder, watchLadder } from '../services/vip';
import { QueryCache } from './query-cache';
import { SharedStream, SharedStreamRegistry, type SharedSubscription } from './shared-stream';

export type { LiveOptions } from '../deps';

export const defaultLiveOptions: LiveOptions = { pushIntervalMs: 1000 };

/** An entry's upper age: a bound on staleness should an invalidation event ever be lost. */
const CACHE_MAX_AGE_MS = 30_000;

/**
 * The per-server state behind cached reads and shared streams. One per event bus (that is, per
 * server, or per test), created on first use: caches are cleared by the bus's change events,
 * streams are shared by every subscriber of the same key.
 */
export interface Live {
  /** Bumped whenever the caches are cleared: anything derived from them before is stale. */
  generation: number;
  boards: QueryCache<LeaderboardPage>;
  positions: QueryCache<LeaderboardPosition>;
  raceStandings: QueryCache<RaceStandings>;
  mvps: QueryCache<Mvps>;
  boardFeeds: SharedStreamRegistry<LeaderboardPage>;
  raceFeeds: SharedStreamRegistry<RaceStandings>;
  mvpFeeds: SharedStreamRegistry<Mvps>;
  /** How the streams coalesce and report failed reloads. */
  streamOptions: { intervalMs: number; onError: (error: unknown, where: string) => void };
}

const liveByBus = new WeakMap<EventBus, Live>();

export function live(deps: Pick<AppDeps, 'bus' | 'live' | 'log'>): Live {
  const existing = liveByBus.get(deps.bus);
  if (existing) return existing;
  const options = { ...defaultLiveOptions, ...deps.live };
  const log = deps.log;
  const onError = (err: unknown, where: string) => {
    if (log) log.error({ err, where }, 'live stream recomputation failed');
    else console.error(`live stream ${where}: recomputation failed`, err);
  };
  const cache = { maxEntries: options.cacheEntries ?? 500, maxAgeMs: CACHE_MAX_AGE_MS };
  const created: Live = {
    generation: 0,
    boards: new QueryCache(cache),
    positions: new QueryCache(cache),
    raceStandings: new QueryCache(cache),
    mvps: new QueryCache(cache),
    boardFeeds: new SharedStreamRegistry(),
    raceFeeds: new SharedStreamRegistry(),
    mvpFeeds: new SharedStreamRegistry(),
    streamOptions: { intervalMs: options.pushIntervalMs, onError },
  };
  // Registered before any stream's watcher, so a stream recomputing after an event never reads
  // a cache entry from before it.
  deps.bus.subscribe('leaderboard.changed', () => {
    created.generation++;
    created.boards.clear();
    created.positions.clear();
    created.raceStandings.clear();
    created.mvps.clear();
  });
  deps.bus.subscribe('race.changed', () => {
    created.generation++;
    created.raceStandings.clear();
  });
  // The ladder's own watcher first, so the caches below never reload with the old ladder.
  watchLadder(deps.bus);
  // Every cached row carries a tier: a new ladder makes them all stale.
  deps.bus.subscribe('vip.tiersChanged', () => {
    created.generation++;
    created.boards.clear();
    created.positions.clear();
    created.raceStandings.clear();
    created.mvps.clear();
  });
  liveByBus.set(deps.bus, created);
  return created;
}

type LiveDeps = Pick<AppDeps, 'db' | 'bus' | 'live'>;

/** `leaderboardTop`, answered from memory until the next `leaderboard.changed`. */
export function cachedLeaderboardTop(
  deps: LiveDeps,
  input: z.output<typeof leaderboardTopInput>,
): Promise<LeaderboardPage> {
  const key = JSON.stringify([input.period, input.limit, input.cursor ?? null, input.search ?? null]);
  return live(deps).boards.get(key, async () => leaderboardTop(deps.db, input, await vipLadder(deps)));
}

export function cachedLeaderboardPosition(
  deps: LiveDeps,
  input: z.output<typeof leaderboardPositionInput>,
): Promise<LeaderboardPosition> {
  const key = JSON.stringify([input.period, input.uid, input.neighbours]);
  return live(deps).positions.get(key, async () => leaderboardPosition(deps.db, input, await vipLadder(deps)));
}

/** Race standings from memory until wagers or the race change — or the race starts or ends. */
export function cachedRaceStandings(
  deps: LiveDeps,
  input: z.output<typeof raceStandingsInput>,
): Promise<RaceStandings> {
  const key = JSON.stringify([input.raceId, input.limit]);
  return live(deps).raceStandings.get(
    key,
    async () => getRaceStandings(deps.db, input, await vipLadder(deps)),
    // The clock alone changes what a race shows when it starts or ends.
    (standings) =>
      standings.status === 'upcoming'
        ? standings.startsAt.getTime()
        : standings.status === 'live'
          ? standings.endsAt.getTime()
          : undefined,
  );
}

/** One handler for several topics; returns the function that unsubscribes from all. */
function watchAll(bus: EventBus, topics: ('leaderboard.changed' | 'vip.tiersChanged')[], onChange: () => void) {
  const offs = topics.map((topic) => bus.subscribe(topic, () => onChange()));
  return () => {
    for (const off of offs) off();
  };
}

/** `leaderboard.mvps`: today's, this week's and this month's #1, from the cached boards. */
export function cachedMvps(deps: LiveDeps): Promise<Mvps> {
  return live(deps).mvps.get('mvps', async () => {
    const [today, week, month] = await Promise.all(
      mvpPeriods.map(async (period) => mvpOf(await cachedLeaderboardTop(deps, { period, limit: 1, cursor: null }))),
    );
    return { today: today ?? null, week: week ?? null, month: month ?? null, generatedAt: new Date() };
  });
}

/** `leaderboard.onMvps`: the MVPs now, then whenever one of them changes (shared, coalesced). */
export function mvpUpdates(deps: LiveDeps, signal?: AbortSignal): SharedSubscription<TrackedEnvelope<Mvps>> {
  const state = live(deps);
  return state.mvpFeeds
    .get(
      'mvps',
      (onIdle) =>
        new SharedStream<Mvps>({
          load: () => cachedMvps(deps),
          changed: (previous, next) =>
            !sameJson([previous.today, previous.week, previous.month], [next.today, next.week, next.month]),
          watch: (onChange) => watchAll(deps.bus, ['leaderboard.changed', 'vip.tiersChanged'], onChange),
          intervalMs: state.streamOptions.intervalMs,
          onIdle,
          onError: (error) => state.streamOptions.onError(error, 'mvps'),
        }),
    )
    .subscribe(signal);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `leaderboard.onUpdate`: the top `limit` of `period` now, then again whenever it changes —
 * one stream per (period, limit) shared by all its subscribers, recomputed at most once per
 * push interval however many syncs land, and silent when a change leaves the top N as it was.
 * Our WebSocket transport takes its push path; every other consumer iterates it.
 */
export function leaderboardUpdates(
  deps: LiveDeps,
  input: { period: Period; limit: number },
  signal?: AbortSignal,
): SharedSubscription<TrackedEnvelope<LeaderboardPage>> {
  const state = live(deps);
  const key = `${input.period}:${input.limit}`;
  return state.boardFeeds
    .get(
      key,
      (onIdle) =>
        new SharedStream<LeaderboardPage>({
          load: () => cachedLeaderboardTop(deps, { period: input.period, limit: input.limit, cursor: null }),
          changed: (previous, next) => !sameJson(previous.entries, next.entries),
          watch: (onChange) => watchAll(deps.bus, ['leaderboard.changed', 'vip.tiersChanged'], onChange),
          intervalMs: state.streamOptions.intervalMs,
          onIdle,
          onError: (error) => state.streamOptions.onError(error, `leaderboard ${key}`),
        }),
    )
    .subscribe(signal);
}

/** `races.onUpdate`: a race's standings now, then on every change, coalesced the same way. */
export function raceUpdates(
  deps: LiveDeps,
  input: { raceId: number; limit: number },
  signal?: AbortSignal,
): SharedSubscription<TrackedEnvelope<RaceStandings>> {
  const state = live(deps);
  const key = `${input.raceId}:${input.limit}`;
  return state.raceFeeds
    .get(
      key,
      (onIdle) =>
        new SharedStream<RaceStandings>({
          load: () => cachedRaceStandings(deps, input),
          changed: (previous, next) =>
            previous.status !== next.status ||
            previous.final !== next.final ||
            !sameJson(previous.standings, next.standings),
          watch: (onChange) => {
            const offWagers = watchAll(deps.bus, ['leaderboard.changed', 'vip.tiersChanged'], onChange);
            const offRace = deps.bus.subscribe('race.changed', (event) => {
              if (event.raceId === input.raceId) onChange();
            });
            return () => {
              offWagers();
              offRace();
            };
          },
          intervalMs: state.streamOptions.intervalMs,
          onIdle,
          onError: (error) => state.streamOptions.onError(error, `race ${key}`),
        }),
    )
    .subscribe(signal);
}
