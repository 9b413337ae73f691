/**
 * The ranks of the top of each board (`leaderboard_top_ranks`, migration 0023): the best
 * `TOP_RANKS_DEPTH` players of each period with the number of players ahead of each, built from
 * the board as it stands. A name search's page takes its ranks from there instead of counting
 * them, as long as no write to the players has happened since the build; after one, ranks are
 * counted again until the next build. The server builds it after each sync that changes players
 * (upkeep.ts, at most once a second). The same build copies the bucket counts with the players
 * above each bucket (`leaderboard_buckets_above`, migration 0024), which a player's rank
 * (`leaderboard_ahead()`) reads under the same condition.
 */
import { type Db, queryRows } from '@goated/db';
import { sql } from 'drizzle-orm';

/**
 * Players per period. A search's first page shows its best matches, which for any prefix with
 * more than a few matches sit near the top: at 1,000,000 players, 995 of 999 first pages of the
 * bench's searches lie within the top 20,000. A build of four periods at this depth takes ~0.3 s.
 */
export const TOP_RANKS_DEPTH = 20_000;

/**
 * How long a build waits for the transactions writing players to end (it holds new writers
 * back until it commits). Past it, the build gives up; ranks are counted until the next one.
 */
const BUILD_LOCK_TIMEOUT = '2s';

/** Builds the table from the board as it is now; returns the rows written (0 if it already held). */
export async function buildTopRanks(db: Db, depth = TOP_RANKS_DEPTH): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = '${BUILD_LOCK_TIMEOUT}'`));
    const [row] = await queryRows<{ built: number | string }>(
      tx,
      sql`select leaderboard_top_ranks_build(${depth}) as built`,
    );
    return Number(row?.built ?? 0);
  });
}

/** Whether the table holds: built, and nothing has written the players since. */
export async function topRanksHold(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ hold: boolean }>(
    db,
    sql`select coalesce((select changes from leaderboard_top_ranks_state) = (select last_value from players_wager_changes), false) as hold`,
  );
  return row?.hold === true;
}
