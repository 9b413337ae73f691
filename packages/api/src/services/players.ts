import { type Db, queryRows, schema } from '@goated/db';
import { type Period, periods } from '@goated/validators';
import { and, asc, eq, gte, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../errors';
import { addDays, startOfUtcDay, utcDay } from './dates';
import { playersAheadSql } from './leaderboard';
import { periodColumn } from './periods';
import { type PlayerRaceStanding, playerLiveRaces } from './races';
import { type Ladder, type TierBadge, type TierProgress, tierOf, tierProgress } from './vip';

const { players, playerWagerDays } = schema;

export const playerUidInput = z.object({ uid: z.string().min(1).max(128) });

export const playerHistoryInput = z.object({
  uid: z.string().min(1).max(128),
  /** How many UTC days back, today included. */
  days: z.number().int().min(1).max(366).default(30),
});

export interface PlayerPeriodStats {
  wagered: string;
  /** null when nothing was wagered in the period. */
  rank: number | null;
}

export interface PlayerProfile {
  uid: string;
  name: string;
  periods: Record<Period, PlayerPeriodStats>;
  /** The player's place in every live race, soonest to end first. */
  races: PlayerRaceStanding[];
  upstreamUpdatedAt: Date;
  /** The VIP tier by all-time wager. */
  tier: TierBadge;
  /** The way to the next tier. */
  tierProgress: TierProgress;
}

export type ProfileRow = Record<string, unknown> & {
  uid: string;
  name: string;
  upstream_updated_at: string | Date;
} & Record<`wager_${Period}`, string> &
  Record<`ahead_${Period}`, string | number | null>;

/** A player's name and, per period, total and rank (null: nothing wagered). */
export type PlayerPeriods = Omit<PlayerProfile, 'races' | 'tier' | 'tierProgress'>;

/** The columns of a `ProfileRow`, selected from the players row aliased `p`. */
export function periodColumnsSql(): SQL {
  const perPeriod = periods.map((period) => {
    const c = sql`p.${sql.identifier(periodColumn[period].name)}`;
    return sql`${c}::text as ${sql.identifier(`wager_${period}`)},
      case when ${c} > 0 then ${playersAheadSql(period, c, sql`p.uid`)} end as ${sql.identifier(`ahead_${period}`)}`;
  });
  return sql`p.uid, p.name, p.upstream_updated_at, ${sql.join(perPeriod, sql`, `)}`;
}

export function toPlayerPeriods(row: ProfileRow): PlayerPeriods {
  const stats = Object.fromEntries(
    periods.map((period) => {
      const ahead = row[`ahead_${period}`];
      return [period, { wagered: row[`wager_${period}`], rank: ahead === null ? null : Number(ahead) + 1 }];
    }),
  ) as Record<Period, PlayerPeriodStats>;
  return { uid: row.uid, name: row.name, periods: stats, upstreamUpdatedAt: new Date(row.upstream_updated_at) };
}

/** A player's totals and rank in every period, in one query (ranks from the bucket counts). */
export async function playerPeriods(db: Db, uid: string): Promise<PlayerPeriods> {
  const [row] = await queryRows<ProfileRow>(db, sql`select ${periodColumnsSql()} from players p where p.uid = ${uid}`);
  if (!row) throw notFound('Player');
  return toPlayerPeriods(row);
}

/**
 * A player's totals and rank in every period (one query), standing in live races (one more),
 * and VIP tier with the way to the next (from the ladder in memory).
 */
export async function getPlayer(db: Db, uid: string, ladder: Ladder, now = new Date()): Promise<PlayerProfile> {
  const player = await playerPeriods(db, uid);
  const races = await playerLiveRaces(db, uid, now);
  const allTime = player.periods.all.wagered;
  return {
    uid: player.uid,
    name: player.name,
    periods: player.periods,
    races,
    upstreamUpdatedAt: player.upstreamUpdatedAt,
    tier: tierOf(ladder, allTime),
    tierProgress: tierProgress(ladder, allTime),
  };
}

export interface PlayerHistory {
  uid: string;
  /** One point per UTC day, oldest first; days without wagers are "0.00". */
  days: { day: string; wagered: string }[];
}

export async function getPlayerHistory(
  db: Db,
  input: z.output<typeof playerHistoryInput>,
  now = new Date(),
): Promise<PlayerHistory> {
  const first = addDays(startOfUtcDay(now), -(input.days - 1));
  const [player] = await db.select({ uid: players.uid }).from(players).where(eq(players.uid, input.uid));
  if (!player) throw notFound('Player');
  const rows = await db
    .select({ day: playerWagerDays.day, wagered: playerWagerDays.wagered })
    .from(playerWagerDays)
    .where(and(eq(playerWagerDays.playerUid, input.uid), gte(playerWagerDays.day, utcDay(first))))
    .orderBy(asc(playerWagerDays.day));
  const byDay = new Map(rows.map((r) => [r.day, r.wagered]));
  const days = Array.from({ length: input.days }, (_, i) => {
    const day = utcDay(addDays(first, i));
    return { day, wagered: byDay.get(day) ?? '0.00' };
  });
  return { uid: input.uid, days };
}
