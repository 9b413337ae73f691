import { type Db, queryRows, schema } from '@goated/db';
import { asc, desc, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../errors';
import { type Period, periodColumn, periodSchema } from './periods';

const { players } = schema;

export const leaderboardTopInput = z.object({
  period: periodSchema,
  limit: z.number().int().min(1).max(100).default(10),
  /** Opaque to clients: the `nextCursor` of the previous page. */
  cursor: z.number().int().min(0).nullish(),
  /** Case-insensitive prefix of the player's name. */
  search: z.string().trim().min(1).max(64).optional(),
});
export type LeaderboardTopInput = z.input<typeof leaderboardTopInput>;

export const leaderboardPositionInput = z.object({
  period: periodSchema,
  uid: z.string().min(1).max(128),
  /** How many players to show above and below. */
  neighbours: z.number().int().min(0).max(10).default(2),
});

export interface LeaderboardEntry {
  rank: number;
  uid: string;
  name: string;
  /** Exact decimal as a string, e.g. "1234.56". */
  wagered: string;
}

export interface LeaderboardPage {
  period: Period;
  entries: LeaderboardEntry[];
  nextCursor: number | null;
  generatedAt: Date;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * One page of a period's leaderboard, ranked by wager (desc) with the uid breaking ties, so
 * equal totals always rank the same way. Players with nothing wagered in the period are not
 * ranked. With `search`, ranks stay the overall ranks.
 */
export async function leaderboardTop(db: Db, input: z.output<typeof leaderboardTopInput>): Promise<LeaderboardPage> {
  const column = periodColumn[input.period];
  const offset = input.cursor ?? 0;
  let entries: LeaderboardEntry[];

  if (!input.search) {
    // Walks the (wager desc, uid) index: cheap for the top pages people actually look at.
    const rows = await db
      .select({ uid: players.uid, name: players.name, wagered: column })
      .from(players)
      .where(gt(column, '0'))
      .orderBy(desc(column), asc(players.uid))
      .limit(input.limit + 1)
      .offset(offset);
    entries = rows.map((row, i) => ({ ...row, rank: offset + i + 1 }));
  } else {
    const pattern = `${escapeLike(input.search.toLowerCase())}%`;
    const ranked = db
      .select({
        uid: players.uid,
        name: players.name,
        wagered: sql<string>`${column}`.as('wagered'),
        rank: sql<number>`row_number() over (order by ${column} desc, ${players.uid} asc)`.mapWith(Number).as('rank'),
      })
      .from(players)
      .where(gt(column, '0'))
      .as('ranked');
    entries = await db
      .select({ uid: ranked.uid, name: ranked.name, wagered: ranked.wagered, rank: ranked.rank })
      .from(ranked)
      .where(sql`lower(${ranked.name}) like ${pattern}`)
      .orderBy(asc(ranked.rank))
      .limit(input.limit + 1)
      .offset(offset);
  }

  const hasMore = entries.length > input.limit;
  return {
    period: input.period,
    entries: hasMore ? entries.slice(0, input.limit) : entries,
    nextCursor: hasMore ? offset + input.limit : null,
    generatedAt: new Date(),
  };
}

export interface LeaderboardPosition {
  period: Period;
  /** `rank` is null when the player wagered nothing in the period. */
  player: Omit<LeaderboardEntry, 'rank'> & { rank: number | null };
  above: LeaderboardEntry[];
  below: LeaderboardEntry[];
}

interface PositionRow extends Record<string, unknown> {
  uid: string;
  name: string;
  wagered: string;
  ahead: number | string;
  above: { uid: string; name: string; wagered: string }[] | null;
  below: { uid: string; name: string; wagered: string }[] | null;
}

/** One player's rank in a period with their neighbours, in a single query. */
export async function leaderboardPosition(
  db: Db,
  input: z.output<typeof leaderboardPositionInput>,
): Promise<LeaderboardPosition> {
  const column = periodColumn[input.period];
  const k = input.neighbours;
  // "Ahead of me": more wagered, or the same amount and a smaller uid (the tie-break).
  const ahead = sql`(p.${sql.identifier(column.name)} > me.w or (p.${sql.identifier(column.name)} = me.w and p.uid < me.uid))`;
  const behind = sql`(p.${sql.identifier(column.name)} < me.w or (p.${sql.identifier(column.name)} = me.w and p.uid > me.uid))`;
  const col = sql`p.${sql.identifier(column.name)}`;
  const [row] = await queryRows<PositionRow>(
    db,
    sql`
      with me as (select uid, name, ${sql.identifier(column.name)} as w from players where uid = ${input.uid})
      select me.uid, me.name, me.w::text as wagered,
        (select count(*) from players p where p.${sql.identifier(column.name)} > 0 and ${ahead}) as ahead,
        (select json_agg(a) from (
          select p.uid, p.name, ${col}::text as wagered from players p
          where ${col} > 0 and ${ahead} order by ${col} asc, p.uid desc limit ${k}
        ) a) as above,
        (select json_agg(b) from (
          select p.uid, p.name, ${col}::text as wagered from players p
          where ${col} > 0 and ${behind} order by ${col} desc, p.uid asc limit ${k}
        ) b) as below
      from me`,
  );
  if (!row) throw notFound('Player');

  const ranked = Number(row.wagered) > 0;
  const rank = ranked ? Number(row.ahead) + 1 : null;
  const aboveRows = (row.above ?? []).slice().reverse();
  const aheadCount = Number(row.ahead);
  return {
    period: input.period,
    player: { uid: row.uid, name: row.name, wagered: row.wagered, rank },
    above: aboveRows.map((p, i) => ({ ...p, rank: aheadCount - aboveRows.length + i + 1 })),
    below: ranked ? (row.below ?? []).map((p, i) => ({ ...p, rank: aheadCount + 2 + i })) : [],
  };
}
