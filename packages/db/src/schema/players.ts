import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';

/**
 * The name index of one period's ranked players keyed by the wager's level — the wager cut to
 * its first significant digit (3,456.78 → 3,000; 0 under 1) — then the lowercase name.
 */
function nameByLevel(name: string, wager: AnyPgColumn, playerName: AnyPgColumn) {
  return index(name)
    .on(sql`trunc(${wager}, 1 - length(trunc(${wager})::text))`, sql`(lower(${playerName}) collate "C")`)
    .where(sql`${wager} > 0`);
}

/** A referred player as the affiliate's upstream feed reports them, keyed by upstream uid. */
export const players = pgTable(
  'players',
  {
    uid: text('uid').primaryKey(),
    name: text('name').notNull(),
    wagerToday: money('wager_today').notNull().default('0'),
    wagerWeek: money('wager_week').notNull().default('0'),
    wagerMonth: money('wager_month').notNull().default('0'),
    wagerAllTime: money('wager_all_time').notNull().default('0'),
    /** Upstream's own timestamp of the figures above; older batches never overwrite newer. */
    upstreamUpdatedAt: tstz('upstream_updated_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One index per leaderboard period, matching a plain `ORDER BY wager DESC, uid` exactly
    // (and, scanned backwards, `ORDER BY wager, uid DESC`). NULLS FIRST is what `DESC` means
    // in PostgreSQL: with drizzle's default (NULLS LAST) the planner cannot use the index for
    // that ORDER BY, although the column is NOT NULL, and sorts the whole table instead.
    // Migration 0019 redefines them with INCLUDE (name), so a name search's walk down a board
    // checks names in the index alone.
    index('players_rank_today_idx').on(t.wagerToday.desc().nullsFirst(), t.uid),
    index('players_rank_week_idx').on(t.wagerWeek.desc().nullsFirst(), t.uid),
    index('players_rank_month_idx').on(t.wagerMonth.desc().nullsFirst(), t.uid),
    index('players_rank_all_time_idx').on(t.wagerAllTime.desc().nullsFirst(), t.uid),
    // Migration 0014 redefines it with INCLUDE (uid, name and the four wagers), so a name search
    // reads its matches from the index alone; drizzle's index builder cannot say INCLUDE.
    index('players_name_search_idx').on(sql`lower(${t.name}) text_pattern_ops`),
    // The names of about 1 in 100 players (by uid), so a search can tell a prefix with many
    // matches without counting them (migration 0020, which adds INCLUDE (name)).
    index('players_name_sample_idx')
      .on(sql`lower(${t.name}) text_pattern_ops`)
      .where(sql`hashtext(${t.uid}) % 100 = 0`),
    // Per period, the ranked players' names by the level of their wager: a name search's first
    // page reads only the matches in the top levels instead of every match (migration 0022,
    // which adds INCLUDE).
    nameByLevel('players_name_today_idx', t.wagerToday, t.name),
    nameByLevel('players_name_week_idx', t.wagerWeek, t.name),
    nameByLevel('players_name_month_idx', t.wagerMonth, t.name),
    nameByLevel('players_name_all_time_idx', t.wagerAllTime, t.name),
  ],
);

/** What a player wagered on one UTC day: the series behind charts and race standings. */
export const playerWagerDays = pgTable(
  'player_wager_days',
  {
    playerUid: text('player_uid')
      .notNull()
      .references(() => players.uid, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    wagered: money('wagered').notNull(),
    upstreamUpdatedAt: tstz('upstream_updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.playerUid, t.day] }),
    // Race standings sum a day range across all players.
    index('player_wager_days_day_idx').on(t.day, t.playerUid),
  ],
);

export const leaderboardPeriods = ['today', 'week', 'month', 'all'] as const;

/**
 * How many ranked players (wager > 0) each period has per wager bucket: a bucket is the
 * wager truncated to two significant digits (`wager_bucket()`, e.g. 12,345.67 → 12,000), so
 * a bucket holds a narrow band of amounts. A rank is then "players in higher buckets" (a sum
 * over at most a few hundred rows) plus a short index range inside the player's own bucket,
 * instead of counting every player ahead. Kept exact by statement-level triggers on
 * `players` (migration 0002), inside the writer's own transaction.
 */
export const leaderboardBuckets = pgTable(
  'leaderboard_buckets',
  {
    period: text('period', { enum: leaderboardPeriods }).notNull(),
    /** Lower bound of the bucket, as `wager_bucket(wager)` computes it. */
    bucket: money('bucket').notNull(),
    players: bigint('players', { mode: 'number' }).notNull(),
    /**
     * The same players split by their third significant digit (`wager_fine_digit()`): ten
     * counts, so a rank counts an index range a tenth as wide inside the player's own bucket
     * (issue #22, migration 0013). `fine[d + 1]` holds digit d.
     */
    fine: bigint('fine', { mode: 'number' }).array().notNull().default(sql`'{0,0,0,0,0,0,0,0,0,0}'`),
  },
  (t) => [primaryKey({ columns: [t.period, t.bucket] })],
);

/**
 * The ranks of the top of each period's board, as of the last build
 * (`leaderboard_top_ranks_build()`, migration 0023, run after the syncs that change players):
 * the `LEADERBOARD_TOP_RANKS` best ranked players of each period, with the wager they were
 * ranked at and how many players were ahead. A name search's page takes its ranks from here
 * instead of counting them (issue #22). The build holds only while no write to the players'
 * wagers has happened since it (`leaderboardTopRanksState`); otherwise, and for a player not
 * here, ranks are counted as before. Derived data: a backup carries it, with the sequence that
 * says whether it still holds.
 */
export const leaderboardTopRanks = pgTable(
  'leaderboard_top_ranks',
  {
    period: text('period', { enum: leaderboardPeriods }).notNull(),
    uid: text('uid').notNull(),
    /** The wager the player was ranked at: a lookup for any other wager is not answered from here. */
    wager: money('wager').notNull(),
    /** Players ahead of this one on the period's board (wager desc, then uid) when it was built. */
    ahead: integer('ahead').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.uid] })],
);

/**
 * When `leaderboardTopRanks` was built, and the value the `players_wager_changes` sequence had
 * then. Every statement that writes the players' wagers advances the sequence (a trigger), so
 * the ranks hold exactly while the two are equal. One row.
 */
export const leaderboardTopRanksState = pgTable(
  'leaderboard_top_ranks_state',
  {
    id: boolean('id').primaryKey().default(true),
    changes: bigint('changes', { mode: 'number' }).notNull(),
    builtAt: tstz('built_at').notNull().defaultNow(),
  },
  (t) => [check('leaderboard_top_ranks_state_one_row', sql`${t.id}`)],
);

/**
 * `leaderboardBuckets` as of the last build of `leaderboardTopRanks` (migration 0024), each
 * bucket with the number of players in the buckets above it: a rank (`leaderboard_ahead()`)
 * reads one row here instead of summing a few hundred bucket rows (issue #22). Holds, and is
 * read, under the same condition as `leaderboardTopRanks` (`leaderboardTopRanksState`).
 */
export const leaderboardBucketsAbove = pgTable(
  'leaderboard_buckets_above',
  {
    period: text('period', { enum: leaderboardPeriods }).notNull(),
    bucket: money('bucket').notNull(),
    /** Players in the period's buckets above this one when it was built. */
    above: bigint('above', { mode: 'number' }).notNull(),
    /** The bucket's `fine` counts when it was built. */
    fine: bigint('fine', { mode: 'number' }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.bucket] })],
);
