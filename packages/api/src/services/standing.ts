/**
 * "My standing" (`account.standing`): the linked player's wagers and ranks per period, and
 * their place in every live race with the prize it pays and what is left to reach the next
 * paid place. Built for a read per page view at any scale, in one statement: period ranks from
 * the bucket counts, race places from `race_positions` (kept current after every change); the
 * paid places come from the race standings cache — no ranking of a whole race on this path.
 */
import { type Db, queryRows } from '@goated/db';
import { centsToDecimal, toCents } from '@goated/validators';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../context';
import { cachedRaceStandings } from '../live/live';
import { type PlayerPeriods, type ProfileRow, periodColumnsSql, toPlayerPeriods } from './players';
import { playerLiveRaces, type RaceStanding } from './races';
import { type TierBadge, type TierProgress, tierOf, tierProgress, vipLadder } from './vip';

export interface NextPaidPlace {
  /** The paid place to reach: the one above, or the last (or first free) paid place from outside them. */
  rank: number;
  prize: string;
  /** Wager still needed (inside the race window) to pass whoever holds it now. */
  gap: string;
}

export interface LiveRaceStanding {
  raceId: number;
  name: string;
  endsAt: Date;
  prizePool: string;
  /** Places that pay a prize. */
  paidPlaces: number;
  /** null until the player wagers inside the race window. */
  rank: number | null;
  wagered: string;
  /** What the current place pays ("0.00" outside the paid places). */
  prize: string;
  /** null at #1 (nothing above to reach). */
  next: NextPaidPlace | null;
}

export interface AccountStanding extends PlayerPeriods {
  races: LiveRaceStanding[];
  /** The VIP tier by all-time wager, as `players.get` gives it. */
  tier: TierBadge;
  tierProgress: TierProgress;
}

type StandingDeps = Pick<AppDeps, 'db' | 'bus' | 'live'>;

/** A live race as the standing query returns it, with the player's stored place (if placed yet). */
interface LiveRaceRow {
  id: number;
  name: string;
  endsAt: string;
  prizePool: string;
  prizeSplit: string[];
  placed: boolean;
  rank: number | null;
  wagered: string | null;
}

type StandingRow = ProfileRow & { races: LiveRaceRow[] };

/**
 * The freshest place there is: from the paid places if the player holds one; else the stored
 * place, which may predate the latest change by a moment — but it cannot be a paid place now.
 */
function placeIn(
  prizes: string[],
  paid: RaceStanding[],
  uid: string,
  stored: { rank: number | null; wagered: string },
): { rank: number | null; wagered: string } {
  const mine = paid.find((s) => s.uid === uid);
  if (mine) return { rank: mine.rank, wagered: mine.wagered };
  // Fewer players than paid places, all of them listed: this player has no wager in the race yet.
  if (paid.length < prizes.length) return { rank: null, wagered: '0.00' };
  if (stored.rank === null) return stored;
  return { rank: Math.max(stored.rank, prizes.length + 1), wagered: stored.wagered };
}

function nextPaidPlace(
  prizes: string[],
  paid: RaceStanding[],
  rank: number | null,
  wagered: string,
): NextPaidPlace | null {
  const places = prizes.length;
  // Unranked: the first free paid place if any is free, else the last one.
  const target = rank === null ? Math.min(places, paid.length + 1) : rank > places ? places : rank - 1;
  if (target < 1) return null;
  const holder = paid.find((s) => s.rank === target);
  // Ties go to the lower uid, and whoever is ahead now stays ahead on equal wagers: one cent more.
  const needed = holder ? toCents(holder.wagered) - toCents(wagered) + 1n : 1n;
  return { rank: target, prize: prizes[target - 1] ?? '0.00', gap: centsToDecimal(needed > 0n ? needed : 1n) };
}

/** The account's player, their periods and live races with stored places: one statement. */
async function standingRow(db: Db, userId: string, now: Date): Promise<StandingRow | null> {
  const [row] = await queryRows<StandingRow>(
    db,
    sql`select ${periodColumnsSql()},
      (select coalesce(json_agg(json_build_object(
          'id', r.id, 'name', r.name, 'endsAt', r.ends_at, 'prizePool', r.prize_pool::text,
          'prizeSplit', r.prize_split, 'placed', rp.player_uid is not null,
          'rank', rp.rank, 'wagered', rp.wagered::text
        ) order by r.ends_at, r.id), '[]'::json)
        from races r left join race_positions rp on rp.race_id = r.id and rp.player_uid = p.uid
        where r.status in ('upcoming', 'live') and r.starts_at <= ${now.toISOString()}::timestamptz
      ) as races
      from users u join players p on p.uid = u.player_uid
      where u.id = ${userId}`,
  );
  return row ?? null;
}

/** The linked player's standing, or null when the account has no player. */
export async function accountStanding(
  deps: StandingDeps,
  userId: string,
  now = new Date(),
): Promise<AccountStanding | null> {
  const row = await standingRow(deps.db, userId, now);
  if (!row) return null;
  const player = toPlayerPeriods(row);
  // A race not placed yet (it just started, the player was just linked): ranked directly, once,
  // until the next refresh stores it.
  const unplaced = row.races.some((r) => !r.placed)
    ? new Map((await playerLiveRaces(deps.db, player.uid, now)).map((r) => [r.raceId, r]))
    : new Map();
  const races: LiveRaceStanding[] = [];
  for (const race of row.races) {
    const prizes = race.prizeSplit;
    const paid = (await cachedRaceStandings(deps, { raceId: race.id, limit: Math.max(1, prizes.length) })).standings;
    const fallback = unplaced.get(race.id);
    const stored = race.placed
      ? { rank: race.rank, wagered: race.wagered ?? '0.00' }
      : { rank: fallback?.rank ?? null, wagered: fallback?.wagered ?? '0.00' };
    const { rank, wagered } = placeIn(prizes, paid, player.uid, stored);
    races.push({
      raceId: race.id,
      name: race.name,
      endsAt: new Date(race.endsAt),
      prizePool: race.prizePool,
      paidPlaces: prizes.length,
      rank,
      wagered,
      prize: (rank !== null ? prizes[rank - 1] : undefined) ?? '0.00',
      next: nextPaidPlace(prizes, paid, rank, wagered),
    });
  }
  const ladder = await vipLadder(deps);
  const allTime = player.periods.all.wagered;
  return { ...player, races, tier: tierOf(ladder, allTime), tierProgress: tierProgress(ladder, allTime) };
}
