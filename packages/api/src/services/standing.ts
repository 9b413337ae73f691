/**
 * "My standing" (`account.standing`): the linked player's wagers and ranks per period, and
 * their place in every live race with the prize it pays and what is left to reach the next
 * paid place. Built for a read per page view at any scale: period ranks from the bucket counts,
 * race places from `race_positions` (kept current after every change), paid places from the
 * race standings cache — no ranking of a whole race on this path.
 */
import { type Db, schema } from '@goated/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppDeps } from '../context';
import { cachedRaceStandings } from './live';
import { type PlayerPeriods, playerPeriods } from './players';
import { listRaces, playerLiveRaces, type Race, type RaceStanding } from './races';
import { centsToDecimal, toCents } from './sync/decimal';

const { users, racePositions } = schema;

export interface NextPaidPlace {
  /** The paid place to reach: the one above, or the last paid place from outside them. */
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
}

type StandingDeps = Pick<AppDeps, 'db' | 'bus' | 'live'>;

/** The paid places' current holders, from the cache the race page shares (cleared on every change). */
async function paidPlaces(deps: StandingDeps, race: Race): Promise<RaceStanding[]> {
  const standings = await cachedRaceStandings(deps, { raceId: race.id, limit: Math.max(1, race.prizes.length) });
  return standings.standings;
}

/**
 * The freshest place there is: from the paid places if the player holds one; else the stored
 * place, which may predate the latest change by a moment — but it cannot be a paid place now.
 */
function placeIn(
  race: Race,
  paid: RaceStanding[],
  uid: string,
  stored: { rank: number | null; wagered: string } | undefined,
): { rank: number | null; wagered: string } {
  const mine = paid.find((s) => s.uid === uid);
  if (mine) return { rank: mine.rank, wagered: mine.wagered };
  // Fewer players than paid places, all of them listed: this player has no wager in the race yet.
  if (paid.length < race.prizes.length) return { rank: null, wagered: '0.00' };
  if (!stored || stored.rank === null) return { rank: null, wagered: stored?.wagered ?? '0.00' };
  return { rank: Math.max(stored.rank, race.prizes.length + 1), wagered: stored.wagered };
}

function nextPaidPlace(race: Race, paid: RaceStanding[], rank: number | null, wagered: string): NextPaidPlace | null {
  const places = race.prizes.length;
  // Unranked: the first free paid place if any is free, else the last one.
  const target = rank === null ? Math.min(places, paid.length + 1) : rank > places ? places : rank - 1;
  if (target < 1) return null;
  const holder = paid.find((s) => s.rank === target);
  // Ties go to the lower uid, and whoever is ahead now stays ahead on equal wagers: one cent more.
  const needed = holder ? toCents(holder.wagered) - toCents(wagered) + 1n : 1n;
  return {
    rank: target,
    prize: race.prizes[target - 1]?.prize ?? '0.00',
    gap: centsToDecimal(needed > 0n ? needed : 1n),
  };
}

/** The linked player's standing, or null when the account has no player. */
export async function accountStanding(
  deps: StandingDeps,
  userId: string,
  now = new Date(),
): Promise<AccountStanding | null> {
  const [user] = await deps.db.select({ uid: users.playerUid }).from(users).where(eq(users.id, userId));
  if (!user?.uid) return null;
  return playerStanding(deps, user.uid, now);
}

export async function playerStanding(deps: StandingDeps, uid: string, now = new Date()): Promise<AccountStanding> {
  const player = await playerPeriods(deps.db, uid);
  const { races } = await listRaces(deps.db, { status: 'live', limit: 100, cursor: null }, now);
  if (races.length === 0) return { ...player, races: [] };
  const placed = await placesOf(deps.db, uid, races);
  const standings: LiveRaceStanding[] = [];
  for (const race of races) {
    const paid = await paidPlaces(deps, race);
    const { rank, wagered } = placeIn(race, paid, uid, placed.get(race.id));
    standings.push({
      raceId: race.id,
      name: race.name,
      endsAt: race.endsAt,
      prizePool: race.prizePool,
      paidPlaces: race.prizes.length,
      rank,
      wagered,
      prize: (rank !== null ? race.prizes[rank - 1]?.prize : undefined) ?? '0.00',
      next: nextPaidPlace(race, paid, rank, wagered),
    });
  }
  standings.sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime() || a.raceId - b.raceId);
  return { ...player, races: standings };
}

/**
 * The player's places from `race_positions`; for a race not placed yet (it just started, or the
 * player was just linked) the place is ranked directly, once, until the next refresh stores it.
 */
async function placesOf(
  db: Db,
  uid: string,
  races: Race[],
): Promise<Map<number, { rank: number | null; wagered: string }>> {
  const rows = await db
    .select({ raceId: racePositions.raceId, rank: racePositions.rank, wagered: racePositions.wagered })
    .from(racePositions)
    .where(
      and(
        eq(racePositions.playerUid, uid),
        inArray(
          racePositions.raceId,
          races.map((r) => r.id),
        ),
      ),
    );
  const places = new Map(rows.map((r) => [r.raceId, { rank: r.rank, wagered: r.wagered }]));
  if (races.some((r) => !places.has(r.id))) {
    for (const race of await playerLiveRaces(db, uid)) {
      if (!places.has(race.raceId)) places.set(race.raceId, { rank: race.rank, wagered: race.wagered });
    }
  }
  return places;
}
