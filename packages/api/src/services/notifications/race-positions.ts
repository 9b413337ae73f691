/**
 * Linked players' places in live races: recomputed after every change of the wagers into
 * `race_positions` (one ranking per race, however many users look), which makes a user's
 * standing a key lookup and lets the server tell a user whose rank moved by the threshold —
 * once, whichever instance notices first (the move is claimed with a compare-and-set on the
 * rank they were last told about).
 */
import { type Db, queryRows, schema, type Tx } from '@goated/db';
import { and, eq, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import { dayRange } from '../dates';
import { money, place, timeLeft } from './format';
import { type NotifyDeps, notify } from './notify';

const { races, racePositions, users } = schema;

export interface RacePositionMove {
  raceId: number;
  raceName: string;
  userId: string;
  uid: string;
  from: number;
  to: number;
}

export interface RacePositionsRefresh {
  /** Live races ranked. */
  races: number;
  /** Linked players placed (across those races). */
  positions: number;
  /** Moves past the threshold this call announced. */
  moves: RacePositionMove[];
  /** Another instance was refreshing at that moment (it refreshes again for what it missed). */
  skipped: boolean;
}

interface LiveRace {
  id: number;
  name: string;
  startsAt: Date;
  endsAt: Date;
  prizeSplit: string[];
}

async function liveRaces(db: Db | Tx, now: Date): Promise<LiveRace[]> {
  return db
    .select({
      id: races.id,
      name: races.name,
      startsAt: races.startsAt,
      endsAt: races.endsAt,
      prizeSplit: races.prizeSplit,
    })
    .from(races)
    .where(
      and(inArray(races.status, ['upcoming', 'live']), sql`${races.startsAt} <= ${now.toISOString()}::timestamptz`),
    );
}

interface PositionRow extends Record<string, unknown> {
  player_uid: string;
  rank: number | null;
  notified_rank: number | null;
}

/**
 * Ranks the race as `rankRace` does (wager summed over the window's UTC days, desc, uid
 * breaking ties) and stores the place of every linked, non-banned player — or only `uid`'s.
 * A player seen for the first time gets their current rank as the baseline, unannounced.
 */
async function placeLinkedPlayers(db: Db | Tx, race: LiveRace, uid: string | null): Promise<PositionRow[]> {
  const { from, to } = dayRange(race.startsAt, race.endsAt);
  const onlyUid = uid === null ? sql`` : sql`and u.player_uid = ${uid}`;
  return queryRows<PositionRow>(
    db,
    sql`with linked as (
        select u.player_uid as uid from users u where u.player_uid is not null and not u.banned ${onlyUid}
      ), totals as (
        select d.player_uid as uid, sum(d.wagered) as total from player_wager_days d
        where d.day >= ${from}::date and d.day < ${to}::date
        group by d.player_uid
      ), ranked as (
        select uid, total, row_number() over (order by total desc, uid) as rank from totals where total > 0
      )
      insert into race_positions (race_id, player_uid, rank, wagered, notified_rank, updated_at)
      select ${race.id}, l.uid, r.rank, coalesce(r.total, 0), r.rank, now()
      from linked l left join ranked r on r.uid = l.uid
      on conflict (race_id, player_uid) do update set
        rank = excluded.rank, wagered = excluded.wagered, updated_at = excluded.updated_at,
        notified_rank = coalesce(race_positions.notified_rank, excluded.notified_rank)
      returning player_uid, rank, notified_rank`,
  );
}

function moveMessage(race: LiveRace, from: number, to: number, now: Date) {
  const up = to < from;
  const left = timeLeft(race.endsAt, now);
  const prize = race.prizeSplit[to - 1];
  const pays = prize && prize !== '0.00' ? ` ${place(to)} pays ${money(prize)}.` : '';
  return {
    kind: 'racePosition' as const,
    type: 'race.position',
    title: up ? `You moved up to ${place(to)} in ${race.name}` : `You dropped to ${place(to)} in ${race.name}`,
    body: `From ${place(from)} to ${place(to)}.${pays} ${left ? `${left} left.` : 'The race has ended; results are coming.'}`,
    link: `/races/${race.id}`,
  };
}

export interface RacePositionOptions {
  /** Ranks to move (since last told) for a notice. */
  threshold: number;
  /** At least this long between two notices to one player about one race (the moves add up meanwhile). */
  cooldownMs?: number;
}

/** One full refresh at a time across instances (its own key space, beside the player link locks). */
const REFRESH_LOCK = sql`17018, 0`;

/**
 * Recomputes linked players' places in every live race, in one transaction, and announces
 * (after commit) each move of at least `threshold` ranks since the user was last told. Every
 * instance hears every change, so while one instance refreshes the others skip: the one
 * refreshing runs again for changes it may not have seen. With `uid`, only that player is placed
 * (just linked) and nothing is announced.
 */
export async function refreshRacePositions(
  deps: NotifyDeps,
  options: RacePositionOptions & { uid?: string },
  now = new Date(),
): Promise<RacePositionsRefresh> {
  const quietSince = new Date(now.getTime() - (options.cooldownMs ?? 0));
  const notices: { userId: string; race: LiveRace; from: number; to: number }[] = [];
  const result = await deps.db.transaction(async (tx): Promise<RacePositionsRefresh> => {
    if (options.uid === undefined) {
      const [lock] = await queryRows<{ locked: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${REFRESH_LOCK}) as locked`,
      );
      if (!lock?.locked) return { races: 0, positions: 0, moves: [], skipped: true };
    }
    const live = await liveRaces(tx, now);
    const liveIds = live.map((r) => r.id);
    // Races that ended (finalized or cancelled) keep no positions.
    await tx.delete(racePositions).where(liveIds.length > 0 ? notInArray(racePositions.raceId, liveIds) : undefined);
    const refreshed: RacePositionsRefresh = { races: live.length, positions: 0, moves: [], skipped: false };
    for (const race of live) {
      const rows = await placeLinkedPlayers(tx, race, options.uid ?? null);
      refreshed.positions += rows.length;
      if (options.uid !== undefined) continue;
      // Players unlinked (or banned) since the last refresh drop out.
      const placed = rows.map((r) => r.player_uid);
      await tx
        .delete(racePositions)
        .where(
          and(
            eq(racePositions.raceId, race.id),
            placed.length > 0 ? notInArray(racePositions.playerUid, placed) : undefined,
          ),
        );
      for (const row of rows) {
        const from = row.notified_rank;
        const to = row.rank;
        if (from === null || to === null || Math.abs(to - from) < Math.max(1, options.threshold)) continue;
        // Claimed once: only the refresh that moves the baseline announces. Within the cooldown
        // nothing is claimed; the baseline stays, so the next notice sums the moves up.
        const claimed = await tx
          .update(racePositions)
          .set({ notifiedRank: to, notifiedAt: now })
          .where(
            and(
              eq(racePositions.raceId, race.id),
              eq(racePositions.playerUid, row.player_uid),
              eq(racePositions.notifiedRank, from),
              or(isNull(racePositions.notifiedAt), lte(racePositions.notifiedAt, quietSince)),
            ),
          )
          .returning({ uid: racePositions.playerUid });
        if (claimed.length === 0) continue;
        const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.playerUid, row.player_uid));
        if (!user) continue;
        refreshed.moves.push({ raceId: race.id, raceName: race.name, userId: user.id, uid: row.player_uid, from, to });
        notices.push({ userId: user.id, race, from, to });
      }
    }
    return refreshed;
  });
  for (const notice of notices) {
    await notify(deps, notice.userId, moveMessage(notice.race, notice.from, notice.to, now));
  }
  return result;
}

/** Forgets a player's places (unlinked: their next link starts a new baseline). */
export async function forgetRacePositions(deps: Pick<NotifyDeps, 'db'>, uid: string): Promise<void> {
  await deps.db.delete(racePositions).where(eq(racePositions.playerUid, uid));
}

export interface RacePositionWatch {
  /** A refresh that sees every change made before the call; resolves with what it announced. */
  refreshNow(): Promise<RacePositionsRefresh | null>;
  stop(): Promise<void>;
}

/**
 * Keeps `race_positions` current on this instance: a burst of wager changes (or a race
 * starting or ending) leads to one refresh `delayMs` later, never two at once; changes during
 * a refresh lead to one more after it. A refresh that fails is logged to `deps.log`; the next
 * change tries again.
 */
export function watchRacePositions(
  deps: NotifyDeps,
  options: RacePositionOptions & { delayMs: number },
): RacePositionWatch {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RacePositionsRefresh | null> | null = null;
  let dirty = false;

  const run = (): Promise<RacePositionsRefresh | null> => {
    if (running) {
      dirty = true;
      return running;
    }
    const current = refreshRacePositions(deps, { threshold: options.threshold, cooldownMs: options.cooldownMs ?? 0 })
      .catch((error: unknown) => {
        deps.log?.warn({ err: error }, 'race positions refresh failed');
        return null;
      })
      .finally(() => {
        running = null;
        if (dirty && !stopped) {
          dirty = false;
          schedule();
        }
      });
    running = current;
    return current;
  };

  function schedule(): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, options.delayMs);
    timer.unref?.();
  }

  const unsubscribe = [
    deps.bus.subscribe('leaderboard.changed', schedule),
    deps.bus.subscribe('race.changed', schedule),
  ];
  schedule();

  return {
    async refreshNow() {
      // A refresh already running may have read the data before the caller's change.
      await running;
      clearTimeout(timer);
      timer = undefined;
      return run();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      await running;
    },
  };
}
