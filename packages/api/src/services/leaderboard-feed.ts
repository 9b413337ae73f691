import type { Db } from '@goated/db';
import type { AppDeps } from '../context';
import type { EventBus } from '../events/bus';
import { SharedStream, SharedStreamRegistry } from '../events/shared-stream';
import { type LeaderboardEntry, type LeaderboardPage, leaderboardTop } from './leaderboard';
import type { Period } from './periods';

// One registry per (bus, database) pair, i.e. per server instance, without a global singleton.
const registries = new WeakMap<EventBus, WeakMap<Db, SharedStreamRegistry<LeaderboardPage>>>();

function registryFor(bus: EventBus, db: Db): SharedStreamRegistry<LeaderboardPage> {
  let byDb = registries.get(bus);
  if (!byDb) {
    byDb = new WeakMap();
    registries.set(bus, byDb);
  }
  let registry = byDb.get(db);
  if (!registry) {
    registry = new SharedStreamRegistry();
    byDb.set(db, registry);
  }
  return registry;
}

function sameEntries(a: LeaderboardEntry[], b: LeaderboardEntry[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => {
      const o = b[i];
      return o !== undefined && e.uid === o.uid && e.rank === o.rank && e.wagered === o.wagered && e.name === o.name;
    })
  );
}

/**
 * The live top N of a period, shared by every subscriber of the same (period, limit): one
 * query per change however many are watching, and one snapshot object they all receive.
 */
export function leaderboardFeed(
  deps: Pick<AppDeps, 'db' | 'bus' | 'log'>,
  period: Period,
  limit: number,
): SharedStream<LeaderboardPage> {
  return registryFor(deps.bus, deps.db).get(
    `${period}:${limit}`,
    (onIdle) =>
      new SharedStream<LeaderboardPage>({
        load: () => leaderboardTop(deps.db, { period, limit, cursor: null }),
        watch: (onChange) => deps.bus.subscribe('leaderboard.changed', onChange),
        // A change outside the top N pushes nothing.
        changed: (prev, next) => !sameEntries(prev.entries, next.entries),
        onIdle,
        onError: (err) =>
          deps.log?.warn({ err, period, limit }, 'leaderboard refresh failed; keeping the last snapshot'),
      }),
  );
}
