import { type Db, schema } from '@goated/db';
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../errors';
import { dayRange } from './dates';

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

type RaceRow = typeof races.$inferSelect;

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
}

/**
 * The status a reader should see. The stored status is moved on by the scheduler; until it
 * ticks, the clock already tells that an upcoming race has started.
 */
export function effectiveStatus(race: Pick<RaceRow, 'status' | 'startsAt' | 'endsAt'>, now: Date): RaceStatus {
  if (race.status === 'completed' || race.status === 'cancelled') return race.status;
  return now < race.startsAt ? 'upcoming' : 'live';
}

function toRace(row: RaceRow, now: Date): Race {
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
  };
}

export interface RacePage {
  races: Race[];
  nextCursor: number | null;
}

/** Newest first. */
export async function listRaces(db: Db, input: z.output<typeof raceListInput>, now = new Date()): Promise<RacePage> {
  const conditions = [];
  if (input.cursor) conditions.push(lt(races.id, input.cursor));
  // Filter on the effective status, as `effectiveStatus` computes it.
  if (input.status === 'upcoming') conditions.push(eq(races.status, 'upcoming'), gt(races.startsAt, now));
  else if (input.status === 'live')
    conditions.push(inArray(races.status, ['upcoming', 'live']), lte(races.startsAt, now));
  else if (input.status) conditions.push(eq(races.status, input.status));
  const rows = await db
    .select()
    .from(races)
    .where(and(...conditions))
    .orderBy(desc(races.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return { races: page.map((r) => toRace(r, now)), nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
}

export async function getRace(db: Db, raceId: number, now = new Date()): Promise<Race> {
  const [row] = await db.select().from(races).where(eq(races.id, raceId));
  if (!row) throw notFound('Race');
  return toRace(row, now);
}

export interface RaceStanding {
  rank: number;
  uid: string;
  name: string;
  wagered: string;
  /** The prize this rank pays ("0.00" outside the paid ranks). */
  prize: string;
}

export interface RaceStandings {
  raceId: number;
  status: RaceStatus;
  /** True once results are final: they will never change. */
  final: boolean;
  standings: RaceStanding[];
  generatedAt: Date;
}

/**
 * Live standings are the wager inside the race window; a completed race answers from its
 * frozen results; an upcoming race has none yet.
 */
export async function getRaceStandings(
  db: Db,
  input: z.output<typeof raceStandingsInput>,
  now = new Date(),
): Promise<RaceStandings> {
  const race = await getRace(db, input.raceId, now);
  const base = { raceId: race.id, status: race.status, generatedAt: now };
  if (race.status === 'completed') {
    const rows = await db
      .select({
        rank: raceResults.rank,
        uid: raceResults.playerUid,
        name: raceResults.playerName,
        wagered: raceResults.wagered,
        prize: raceResults.prize,
      })
      .from(raceResults)
      .where(eq(raceResults.raceId, race.id))
      .orderBy(asc(raceResults.rank))
      .limit(input.limit);
    return { ...base, final: true, standings: rows };
  }
  if (race.status !== 'live') return { ...base, final: race.status === 'cancelled', standings: [] };

  const { from, to } = dayRange(race.startsAt, race.endsAt);
  const total = sql<string>`sum(${playerWagerDays.wagered})`;
  const rows = await db
    .select({ uid: playerWagerDays.playerUid, name: players.name, wagered: total })
    .from(playerWagerDays)
    .innerJoin(players, eq(players.uid, playerWagerDays.playerUid))
    .where(and(gte(playerWagerDays.day, from), lt(playerWagerDays.day, to)))
    .groupBy(playerWagerDays.playerUid, players.name)
    .having(sql`${total} > 0`)
    .orderBy(desc(total), asc(playerWagerDays.playerUid))
    .limit(input.limit);
  return {
    ...base,
    final: false,
    standings: rows.map((row, i) => ({
      rank: i + 1,
      uid: row.uid,
      name: row.name,
      wagered: row.wagered,
      prize: race.prizes[i]?.prize ?? '0.00',
    })),
  };
}
