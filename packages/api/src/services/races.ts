import { type Db, queryRows, schema, type Tx } from '@goated/db';
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../errors';
import { dayRange } from './dates';
import { type Ladder, type TierBadge, tierOf } from './vip';

const { races, raceResults, playerWagerDays, players } = schema;

export const raceStatuses = ['upcoming', 'live', 'completed', 'cancelled'] as const;
export type RaceStatus = (typeof raceStatuses)[number];

export const raceListInput = z.object({
  status: z.enum(raceStatuses).optional(),
  limit: z.number().int().min(1).max(100).default(20),
  /** The `nextCursor` of the previous page. */
  cursor: z.number().int().positive().nullish(),
});

export const raceIdInput = z.object({ raceId: z.number().int().positive() });

export const raceStandingsInput = z.object({
  raceId: z.number().int().positive(),
  limit: z.number().int().min(1).max(100).default(10),
});

/** How many ranks a finished race keeps (every paid rank: a split has at most 100). */
export const RACE_RESULTS_KEPT = 100;

export type RaceRow = typeof races.$inferSelect;

export interface Race {
  id: number;
  name: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
  prizePool: string;
  /** Prize for rank 1, 2, … */
  prizes: { rank: number; prize: string }[];
  status: RaceStatus;
  finalizedAt: Date | null;
  /** Players below this total inside the window are not ranked ("0.00": anyone who wagered). */
  minWager: string;
  /** The recurring template this race was made from, if any. */
  templateId: number | null;
  /** Players ranked when it was finalized (null before). */
  participants: number | null;
}

/**
 * The status a reader should see. The stored status is moved on by the scheduler; until it
 * ticks, the clock already tells that an upcoming race has started. A race stays `live` after
 * its end until it is finalized (within one scheduler tick).
 */
export function effectiveStatus(race: Pick<RaceRow, 'status' | 'startsAt' | 'endsAt'>, now: Date): RaceStatus {
  if (race.status === 'completed' || race.status === 'cancelled') return race.status;
  return now < race.startsAt ? 'upcoming' : 'live';
}

export function toRace(row: RaceRow, now: Date): Race {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    prizePool: row.prizePool,
    prizes: row.prizeSplit.map((prize, i) => ({ rank: i + 1, prize })),
    status: effectiveStatus(row, now),
    finalizedAt: row.finalizedAt,
    minWager: row.minWager,
    templateId: row.templateId,
    participants: row.participants,
  };
}

/** A paid place of a finished race, as the archive shows it. */
export type RaceWinner = RaceResult;

/** A race as `races.list` and `races.get` answer: the race, and for a completed one its podium. */
export interface RaceSummary extends Race {
  /** A completed race's top 3 (fewer when fewer players were ranked); empty otherwise. */
  winners: RaceWinner[];
}

export interface RacePage {
  races: RaceSummary[];
  nextCursor: number | null;
}

/** How many places of a finished race the list shows. */
export const RACE_LIST_WINNERS = 3;

/**
 * Newest first: by id, except the archive (`status: 'completed'`), which is newest-finished
 * first (end, then id) — recurring races are created ahead of time, so ids need not follow
 * their ends. The cursor stays the last race's id either way.
 */
export async function listRaces(db: Db, input: z.output<typeof raceListInput>, now = new Date()): Promise<RacePage> {
  const conditions = [];
  const archive = input.status === 'completed';
  if (input.cursor) {
    conditions.push(
      archive
        ? sql`(${races.endsAt}, ${races.id}) < (select r.ends_at, r.id from races r where r.id = ${input.cursor})`
        : lt(races.id, input.cursor),
    );
  }
  // Filter on the effective status, as `effectiveStatus` computes it.
  if (input.status === 'upcoming') conditions.push(eq(races.status, 'upcoming'), gt(races.startsAt, now));
  else if (input.status === 'live')
    conditions.push(inArray(races.status, ['upcoming', 'live']), lte(races.startsAt, now));
  else if (input.status) conditions.push(eq(races.status, input.status));
  const rows = await db
    .select()
    .from(races)
    .where(and(...conditions))
    .orderBy(...(archive ? [desc(races.endsAt), desc(races.id)] : [desc(races.id)]))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const winners = await podiumsOf(
    db,
    page.filter((r) => r.status === 'completed').map((r) => r.id),
  );
  return {
    races: page.map((r) => ({ ...toRace(r, now), winners: winners.get(r.id) ?? [] })),
    nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null,
  };
}

/** The top places of finished races, in one query. */
async function podiumsOf(db: Db, raceIds: number[]): Promise<Map<number, RaceWinner[]>> {
  const byRace = new Map<number, RaceWinner[]>();
  if (raceIds.length === 0) return byRace;
  const rows = await db
    .select({ raceId: raceResults.raceId, ...resultColumns })
    .from(raceResults)
    .where(and(inArray(raceResults.raceId, raceIds), lte(raceResults.rank, RACE_LIST_WINNERS)))
    .orderBy(asc(raceResults.raceId), asc(raceResults.rank));
  for (const { raceId, ...winner } of rows) {
    const list = byRace.get(raceId) ?? [];
    list.push(winner);
    byRace.set(raceId, list);
  }
  return byRace;
}

export async function getRace(db: Db, raceId: number, now = new Date()): Promise<RaceSummary> {
  const [row] = await db.select().from(races).where(eq(races.id, raceId));
  if (!row) throw notFound('Race');
  const winners = row.status === 'completed' ? ((await podiumsOf(db, [row.id])).get(row.id) ?? []) : [];
  return { ...toRace(row, now), winners };
}

/** A rank of a race as ranked or frozen (what `race_results` keeps). */
export interface RaceResult {
  rank: number;
  uid: string;
  name: string;
  wagered: string;
  /** The prize this rank pays ("0.00" outside the paid ranks). */
  prize: string;
}

/** A row of a race's standings as clients get it: the result and the player's VIP tier now. */
export interface RaceStanding extends RaceResult {
  /** By the player's all-time wager (as on the leaderboards), not the race's. */
  tier: TierBadge;
}

export interface RaceStandings {
  raceId: number;
  status: RaceStatus;
  /** The window, for countdowns. */
  startsAt: Date;
  endsAt: Date;
  /** True once results are final: they will never change. */
  final: boolean;
  standings: RaceStanding[];
  generatedAt: Date;
}

/**
 * The ranking inside a race's window: each player's wager summed over the UTC days the window
 * covers, highest first, ties broken by uid (as on the leaderboards). Players who wagered
 * nothing in the window are not ranked.
 */
export async function rankRace(
  db: Db | Tx,
  race: Pick<RaceRow, 'startsAt' | 'endsAt' | 'prizeSplit' | 'minWager'>,
  limit: number,
): Promise<RaceResult[]> {
  const { from, to } = dayRange(race.startsAt, race.endsAt);
  const total = sql<string>`sum(${playerWagerDays.wagered})`;
  const rows = await db
    .select({ uid: playerWagerDays.playerUid, name: players.name, wagered: total })
    .from(playerWagerDays)
    .innerJoin(players, eq(players.uid, playerWagerDays.playerUid))
    .where(and(gte(playerWagerDays.day, from), lt(playerWagerDays.day, to)))
    .groupBy(playerWagerDays.playerUid, players.name)
    .having(sql`${total} > 0 and ${total} >= ${race.minWager}::numeric`)
    .orderBy(desc(total), asc(playerWagerDays.playerUid))
    .limit(limit);
  return rows.map((row, i) => ({
    rank: i + 1,
    uid: row.uid,
    name: row.name,
    wagered: row.wagered,
    prize: race.prizeSplit[i] ?? '0.00',
  }));
}

/** How many players `rankRace` ranks in all (stored when the race is finalized). */
export async function countRaceParticipants(
  db: Db | Tx,
  race: Pick<RaceRow, 'startsAt' | 'endsAt' | 'minWager'>,
): Promise<number> {
  const { from, to } = dayRange(race.startsAt, race.endsAt);
  const [row] = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*) as n from (
          select 1 from ${playerWagerDays} where ${playerWagerDays.day} >= ${from} and ${playerWagerDays.day} < ${to}
          group by ${playerWagerDays.playerUid}
          having sum(${playerWagerDays.wagered}) > 0 and sum(${playerWagerDays.wagered}) >= ${race.minWager}::numeric
        ) ranked`,
  );
  return Number(row?.n ?? 0);
}

/** A finished race's frozen results, best first. */
/** A result row as every reader shows it: place, player, wager, prize. */
const resultColumns = {
  rank: raceResults.rank,
  uid: raceResults.playerUid,
  name: raceResults.playerName,
  wagered: raceResults.wagered,
  prize: raceResults.prize,
};

export async function raceResultsOf(db: Db | Tx, raceId: number, limit: number): Promise<RaceResult[]> {
  return db
    .select(resultColumns)
    .from(raceResults)
    .where(eq(raceResults.raceId, raceId))
    .orderBy(asc(raceResults.rank))
    .limit(limit);
}

/**
 * Live standings are the wager inside the race window; a completed race answers from its
 * frozen results; an upcoming race has none yet.
 */
export async function getRaceStandings(
  db: Db,
  input: z.output<typeof raceStandingsInput>,
  ladder: Ladder,
  now = new Date(),
): Promise<RaceStandings> {
  const [row] = await db.select().from(races).where(eq(races.id, input.raceId));
  if (!row) throw notFound('Race');
  const status = effectiveStatus(row, now);
  const base = { raceId: row.id, status, startsAt: row.startsAt, endsAt: row.endsAt, generatedAt: now };
  if (status === 'completed') {
    return {
      ...base,
      final: true,
      standings: await withTiers(db, await raceResultsOf(db, row.id, input.limit), ladder),
    };
  }
  if (status !== 'live') return { ...base, final: status === 'cancelled', standings: [] };
  return { ...base, final: false, standings: await withTiers(db, await rankRace(db, row, input.limit), ladder) };
}

/** Each result with its player's tier (one primary-key lookup for the page's all-time wagers). */
export async function withTiers(db: Db, results: RaceResult[], ladder: Ladder): Promise<RaceStanding[]> {
  if (results.length === 0) return [];
  const rows = await db
    .select({ uid: players.uid, allTime: players.wagerAllTime })
    .from(players)
    .where(
      inArray(
        players.uid,
        results.map((r) => r.uid),
      ),
    );
  const allTime = new Map(rows.map((r) => [r.uid, r.allTime]));
  return results.map((r) => ({ ...r, tier: tierOf(ladder, allTime.get(r.uid) ?? '0') }));
}

/** A player's place in one live race. */
export interface PlayerRaceStanding {
  raceId: number;
  name: string;
  endsAt: Date;
  wagered: string;
  /** null when the player has wagered nothing inside the window yet. */
  rank: number | null;
  /** What the current rank would pay ("0.00" outside the paid ranks). */
  prize: string;
}

interface PlayerRaceRow extends Record<string, unknown> {
  id: number;
  name: string;
  ends_at: string | Date;
  prize_split: string[];
  wagered: string;
  ahead: string | number | null;
}

/** Where `uid` stands in every live race, in one query (each race ranked as `rankRace` does). */
export async function playerLiveRaces(db: Db, uid: string, now = new Date()): Promise<PlayerRaceStanding[]> {
  const rows = await queryRows<PlayerRaceRow>(
    db,
    sql`with live as (
        select r.id, r.name, r.ends_at, r.prize_split, r.min_wager,
          (r.starts_at at time zone 'UTC')::date as first_day,
          ((r.ends_at - interval '1 millisecond') at time zone 'UTC')::date + 1 as end_day
        from races r
        where r.status in ('upcoming', 'live') and r.starts_at <= ${now.toISOString()}::timestamptz
      ), mine as (
        select live.id, coalesce(sum(d.wagered), 0) as total
        from live left join player_wager_days d
          on d.player_uid = ${uid} and d.day >= live.first_day and d.day < live.end_day
        group by live.id
      )
      select live.id, live.name, live.ends_at, live.prize_split, mine.total::numeric(20, 2)::text as wagered,
        case when mine.total > 0 and mine.total >= live.min_wager then (
          select count(*) from (
            select d.player_uid, sum(d.wagered) as total from player_wager_days d
            where d.day >= live.first_day and d.day < live.end_day group by d.player_uid
          ) t where t.total > mine.total or (t.total = mine.total and t.player_uid < ${uid})
        ) end as ahead
      from live join mine on mine.id = live.id
      order by live.ends_at, live.id`,
  );
  return rows.map((row) => {
    const rank = row.ahead === null ? null : Number(row.ahead) + 1;
    return {
      raceId: Number(row.id),
      name: row.name,
      endsAt: new Date(row.ends_at),
      wagered: row.wagered,
      rank,
      prize: (rank !== null ? row.prize_split[rank - 1] : undefined) ?? '0.00',
    };
  });
}
