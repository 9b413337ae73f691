import { type Db, queryRows } from '@goated/db';
import { type Period, periodSchema } from '@goated/validators';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { InvalidInputError, notFound } from '../errors';
import { periodColumn } from './periods';
import { type Ladder, type TierBadge, tierOf } from './vip';

export const leaderboardTopInput = z.object({
  period: periodSchema,
  limit: z.number().int().min(1).max(100).default(10),
  /** Opaque to clients: the `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(512).nullish(),
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
  /** The player's VIP tier, by all-time wager (whatever the period). */
  tier: TierBadge;
}

export interface LeaderboardPage {
  period: Period;
  entries: LeaderboardEntry[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  generatedAt: Date;
}

/**
 * Where the next page starts: the sort key — (wager desc, uid asc) — of the last entry shown.
 * A page is "everything after this key", so players who did not move are never repeated or
 * skipped when others change between two page loads (an offset would shift under them).
 * The period rides along so a cursor cannot be replayed against another board.
 */
const cursorSchema = z.object({
  p: periodSchema,
  w: z.string().regex(/^\d{1,18}\.\d{2}$/),
  u: z.string().min(1).max(128),
});
type Cursor = z.infer<typeof cursorSchema>;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, period: Period): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const cursor = cursorSchema.safeParse(parsed);
  if (!cursor.success) throw new InvalidInputError([{ path: ['cursor'], message: 'is not a leaderboard cursor' }]);
  if (cursor.data.p !== period) {
    throw new InvalidInputError([
      { path: ['cursor'], message: `belongs to the ${cursor.data.p} leaderboard, not ${period}` },
    ]);
  }
  return cursor.data;
}

/** `alias.wager_<period>` as SQL. */
function wagerOf(alias: string, period: Period): SQL {
  return sql`${sql.identifier(alias)}.${sql.identifier(periodColumn[period].name)}`;
}

/**
 * How many ranked players stand ahead of the key (`wager`, `uid`) in `period` — rank minus
 * one. Counting every player ahead is O(rank) (~250 ms at rank 250,000 of 1,000,000);
 * `leaderboard_ahead()` (migrations 0003, 0013, 0018, 0024) takes the players of the higher
 * buckets from one row of the copy the last top-ranks build made (`leaderboard_buckets_above`,
 * while no write has happened since; else it sums the live `leaderboard_buckets`, a few hundred
 * rows) and, of the key's own bucket, the counts of its third significant digits above the key's
 * (`fine`), and counts only inside the key's own fine bucket — two short ranges of the period's
 * index, from whichever end of the fine bucket is nearer the key (its total is the fine count) —
 * with plans cached per connection.
 * `wager` must be > 0 (unranked players have no rank).
 */
export function playersAheadSql(period: Period, wager: SQL, uid: SQL): SQL {
  return sql`leaderboard_ahead(${period}, ${wager}, ${uid})`;
}

/**
 * How a name search finds its page (issue #22). Two ways, chosen per search by the number of
 * names that match, not by the planner's estimate (which for a prefix can be off by 10x and then
 * picks the wrong one, at 20-150 ms):
 * - few matches (< `fewMatches`): read them all from the name index (it carries the
 *   wagers, migration 0014) and keep the top of the page — cost grows with the matches;
 * - many: walk the period's rank index from the top (or the cursor) and keep the names that
 *   match — cost grows with board size / matches. At most `walkRows` rows; a walk that
 *   finds less than a page there (matches sparse at the top of the board) gives way to the first
 *   way, which is always right. The rank indexes carry the name (migration 0019), so the walk
 *   stays in the index.
 * The count that chooses stops at `fewMatches` index entries. A sample of about 1 name in 100 (a
 * partial index, migration 0020) comes first and sends a prefix with clearly many matches
 * (`fewMatches / 50` sampled ones, ~4,000 matches) to the walk without counting. The two costs
 * cross near the square root of (page × ranked players): ~2,000-5,000 matches at 1,000,000 players.
 * A first page needs neither way when enough matches sit near the top of the board (migration
 * 0022): each period has a name index keyed by the wager's first significant digit (its level)
 * then the name, and the search reads only the levels at or above a wager floor that the bucket
 * counts give — the floor reaching ~8 pages' worth of matches, by `fewMatches` or, for a prefix
 * the sample says has many (fewer than `fewMatches / 5` sampled), by the sample's estimate. A page
 * or more there is the page; fewer, and the ways above decide.
 */
export interface SearchPlan {
  /** Fewer name matches than this: read them all from the name index. */
  fewMatches: number;
  /** Otherwise walk at most this many rows of the rank index before giving way. */
  walkRows: number;
}
export const SEARCH_PLAN: SearchPlan = { fewMatches: 2000, walkRows: 20_000 };

/**
 * The search page in one call of `leaderboard_search()` (migrations 0017, 0019, 0020, 0022), which takes
 * the ways above and ranks the matches shown with `leaderboard_ahead_each()` — from the ranks of the top of
 * the boards (`leaderboard_top_ranks`, migration 0023, sync/top-ranks.ts) while they hold, counted
 * otherwise. As a function its plans are
 * kept for the session: planning the statement this was cost ~0.5 ms per search, a fifth of a
 * three-digit search at 1,000,000 players. It searches the name index by the prefix's bounds
 * rather than a LIKE, so `%`, `_` and `\` in the search are plain characters. On a first page
 * the few-matches way sorts only the matches above a wager floor (recomputed from the count), and
 * searches again without it in the rare case that fewer than a page are there. Up to `limit` + 1
 * rows: the last only says whether there is a next page (its `ahead` is null).
 */
function searchPageSql(period: Period, search: string, after: Cursor | null, limit: number, plan: SearchPlan): SQL {
  return sql`select uid, name, wagered, all_time, ahead from leaderboard_search(${period}, ${search},
    ${after?.w ?? null}, ${after?.u ?? null}, ${limit}, ${plan.fewMatches}, ${plan.walkRows})`;
}

interface PageRow extends Record<string, unknown> {
  uid: string;
  name: string;
  wagered: string;
  /** All-time wager, for the tier. */
  all_time: string;
  /** Players ahead of this row (search) or of the page's first row (board). */
  ahead: string | number | null;
}

/**
 * One page of a period's leaderboard, ranked by wager (desc) with the uid breaking ties, so
 * equal totals always rank the same way. Players with nothing wagered in the period are not
 * ranked. Ranks are the current overall ranks, also with `search` and on later pages.
 * One SQL query, walking the period's (wager desc, uid) index from the cursor.
 */
export async function leaderboardTop(
  db: Db,
  input: z.output<typeof leaderboardTopInput>,
  ladder: Ladder,
  /** How a name search finds its matches; tests pass small figures to exercise every way. */
  searchPlan: SearchPlan = SEARCH_PLAN,
): Promise<LeaderboardPage> {
  const { period } = input;
  const after = input.cursor ? decodeCursor(input.cursor, period) : null;
  const take = input.limit + 1;
  const w = wagerOf('p', period);

  let rows: PageRow[];
  if (input.search) {
    rows = await queryRows<PageRow>(db, searchPageSql(period, input.search, after, input.limit, searchPlan));
  } else if (after) {
    // Two index ranges instead of `w < x or (w = x and uid > y)`, which no index can seek.
    rows = await queryRows<PageRow>(
      db,
      sql`with page as (
          (select p.uid, p.name, ${w} as w, p.wager_all_time as a from players p
            where ${w} = ${after.w} and p.uid > ${after.u} order by p.uid limit ${take})
          union all
          (select p.uid, p.name, ${w} as w, p.wager_all_time as a from players p
            where ${w} > 0 and ${w} < ${after.w} order by ${w} desc, p.uid limit ${take})
          order by w desc, uid limit ${take}
        ), head as (select w, uid from page order by w desc, uid limit 1)
        select page.uid, page.name, page.w::text as wagered, page.a::text as all_time,
          (select ${playersAheadSql(period, sql`head.w`, sql`head.uid`)} from head) as ahead
        from page order by page.w desc, page.uid`,
    );
  } else {
    rows = await queryRows<PageRow>(
      db,
      sql`select p.uid, p.name, ${w}::text as wagered, p.wager_all_time::text as all_time, 0 as ahead from players p
        where ${w} > 0 order by ${w} desc, p.uid limit ${take}`,
    );
  }

  const hasMore = rows.length > input.limit;
  const pageRows = hasMore ? rows.slice(0, input.limit) : rows;
  const firstAhead = Number(pageRows[0]?.ahead ?? 0);
  const entries = pageRows.map((row, i) => ({
    rank: input.search ? Number(row.ahead) + 1 : firstAhead + i + 1,
    uid: row.uid,
    name: row.name,
    wagered: row.wagered,
    tier: tierOf(ladder, row.all_time),
  }));
  const last = entries.at(-1);
  return {
    period,
    entries,
    nextCursor: hasMore && last ? encodeCursor({ p: period, w: last.wagered, u: last.uid }) : null,
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

interface NeighbourRow {
  uid: string;
  name: string;
  wagered: string;
  /** All-time wager, for the tier. */
  a: string;
}

interface PositionRow extends Record<string, unknown> {
  uid: string;
  name: string;
  wagered: string;
  all_time: string;
  ahead: number | string | null;
  above: NeighbourRow[] | null;
  below: NeighbourRow[] | null;
}

/**
 * One player's rank in a period with their neighbours, in a single call of
 * `leaderboard_position()`: the rank from the bucket counts, each neighbour list from two short
 * ranges of the period's index.
 */
export async function leaderboardPosition(
  db: Db,
  input: z.output<typeof leaderboardPositionInput>,
  ladder: Ladder,
): Promise<LeaderboardPosition> {
  const { period } = input;
  const k = input.neighbours;
  // leaderboard_position() (migration 0011): the rank from the bucket counts, each neighbour
  // list from two short ranges of the period's index, with its plans kept for the session.
  const [row] = await queryRows<PositionRow>(
    db,
    sql`select uid, name, wagered, all_time, ahead, above, below from leaderboard_position(${period}, ${input.uid}, ${k})`,
  );
  if (!row) throw notFound('Player');

  const neighbour = (p: NeighbourRow, rank: number): LeaderboardEntry => ({
    rank,
    uid: p.uid,
    name: p.name,
    wagered: p.wagered,
    tier: tierOf(ladder, p.a),
  });
  const tier = tierOf(ladder, row.all_time);
  if (row.ahead === null) {
    // Unranked: nobody is "next to" a player who is not on the board.
    return {
      period,
      player: { uid: row.uid, name: row.name, wagered: row.wagered, rank: null, tier },
      above: [],
      below: [],
    };
  }
  const ahead = Number(row.ahead);
  // `above` comes nearest-first from the query; show it top-down.
  const aboveRows = (row.above ?? []).slice().reverse();
  return {
    period,
    player: { uid: row.uid, name: row.name, wagered: row.wagered, rank: ahead + 1, tier },
    above: aboveRows.map((p, i) => neighbour(p, ahead - aboveRows.length + i + 1)),
    below: (row.below ?? []).map((p, i) => neighbour(p, ahead + 2 + i)),
  };
}
