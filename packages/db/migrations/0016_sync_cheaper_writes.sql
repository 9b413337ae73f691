-- Two cuts in the database work of a sync (issue #22: 100,000 players, first load and "every
-- player moved", toward 2x a COPY of the same rows).
--
-- 1. Today's history rows get half a page of room (was 30%, migration 0004). An update of a
-- player_wager_days row changes neither indexed column, so with room on its page it is a HOT
-- update: no entry in either index, a third of the WAL. At 70 only about 43% more tuples fit
-- on a page, and a run in which every player moved rewrites every row of the page in one
-- transaction (the old versions cannot be pruned until it commits), so only ~55% of those
-- updates were HOT. At 50 all fit. Measured on two "every player moved" runs of 100,000
-- players: 110,879 -> 195,524 of 200,000 updates HOT; one 25,000-row statement's history
-- update (EXPLAIN ANALYZE, BUFFERS, WAL) 474 -> 212 ms, 390,476 -> 225,000 buffer hits, 8.9 ->
-- 3.6 MB of WAL. The price is space: pages written from now on (today's rows, then each new
-- day's) are filled to half instead of 70%; past days' pages are not rewritten (only today's
-- rows are ever updated, so there is nothing to gain from rewriting them).
ALTER TABLE "player_wager_days" SET (fillfactor = 50);
--> statement-breakpoint
-- 2. The bucket-count trigger's aggregation, cheaper again (after migration 0015). Each wager
-- of a changed row was spread into one row per period (a LATERAL VALUES of four) and the whole
-- — four rows per player, old and new rows of an update — hashed by (period, three-digit
-- truncation) in one aggregation. Now each period is aggregated on its own, straight
-- from the transition table: one scan and one small aggregation per period and per side (new
-- rows counted up, old rows counted down), then the two sides combined per truncation. No
-- per-row VALUES node, no text period in the hash key, no 4x wider input to hash. Same
-- three-digit truncation (so the same buckets and fine digits), same upserts in the same
-- (period, bucket) order, so concurrent writers still lock bucket rows in one order.
-- Measured on 25,000 updated rows of a 100,000-player table (EXPLAIN ANALYZE's trigger time,
-- 8 runs each, interleaved, a shared 2-core machine): update 215-378 ms (median ~348) ->
-- 156-445 ms (median ~250); insert of 25,000 rows 117-267 ms (median ~205) -> 100-217 ms
-- (median ~147). Same triggers: only the function is replaced.
CREATE OR REPLACE FUNCTION leaderboard_buckets_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM leaderboard_buckets;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players, fine)
    SELECT g.period, g.bucket, sum(g.n), ARRAY[coalesce(sum(g.n) FILTER (WHERE g.d = 0), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 1), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 2), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 3), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 4), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 5), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 6), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 7), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 8), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 9), 0)]
    FROM (
      SELECT f.period, wager_bucket(f.fine) AS bucket, wager_fine_digit(f.fine) AS d, f.n
      FROM (
        SELECT 'all' AS period, trunc(r.wager_all_time, 3 - length(trunc(r.wager_all_time)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_all_time > 0 GROUP BY 2
        UNION ALL
        SELECT 'month' AS period, trunc(r.wager_month, 3 - length(trunc(r.wager_month)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_month > 0 GROUP BY 2
        UNION ALL
        SELECT 'today' AS period, trunc(r.wager_today, 3 - length(trunc(r.wager_today)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_today > 0 GROUP BY 2
        UNION ALL
        SELECT 'week' AS period, trunc(r.wager_week, 3 - length(trunc(r.wager_week)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_week > 0 GROUP BY 2
      ) AS f
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players, fine)
    SELECT g.period, g.bucket, sum(g.n), ARRAY[coalesce(sum(g.n) FILTER (WHERE g.d = 0), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 1), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 2), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 3), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 4), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 5), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 6), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 7), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 8), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 9), 0)]
    FROM (
      SELECT f.period, wager_bucket(f.fine) AS bucket, wager_fine_digit(f.fine) AS d, f.n
      FROM (
        SELECT 'all' AS period, c.fine, sum(c.n) AS n FROM (
          SELECT trunc(r.wager_all_time, 3 - length(trunc(r.wager_all_time)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_all_time > 0 GROUP BY 1
          UNION ALL
          SELECT trunc(r.wager_all_time, 3 - length(trunc(r.wager_all_time)::text)), -count(*) FROM old_rows r WHERE r.wager_all_time > 0 GROUP BY 1
        ) AS c GROUP BY 2 HAVING sum(c.n) <> 0
        UNION ALL
        SELECT 'month' AS period, c.fine, sum(c.n) AS n FROM (
          SELECT trunc(r.wager_month, 3 - length(trunc(r.wager_month)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_month > 0 GROUP BY 1
          UNION ALL
          SELECT trunc(r.wager_month, 3 - length(trunc(r.wager_month)::text)), -count(*) FROM old_rows r WHERE r.wager_month > 0 GROUP BY 1
        ) AS c GROUP BY 2 HAVING sum(c.n) <> 0
        UNION ALL
        SELECT 'today' AS period, c.fine, sum(c.n) AS n FROM (
          SELECT trunc(r.wager_today, 3 - length(trunc(r.wager_today)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_today > 0 GROUP BY 1
          UNION ALL
          SELECT trunc(r.wager_today, 3 - length(trunc(r.wager_today)::text)), -count(*) FROM old_rows r WHERE r.wager_today > 0 GROUP BY 1
        ) AS c GROUP BY 2 HAVING sum(c.n) <> 0
        UNION ALL
        SELECT 'week' AS period, c.fine, sum(c.n) AS n FROM (
          SELECT trunc(r.wager_week, 3 - length(trunc(r.wager_week)::text)) AS fine, count(*) AS n FROM new_rows r WHERE r.wager_week > 0 GROUP BY 1
          UNION ALL
          SELECT trunc(r.wager_week, 3 - length(trunc(r.wager_week)::text)), -count(*) FROM old_rows r WHERE r.wager_week > 0 GROUP BY 1
        ) AS c GROUP BY 2 HAVING sum(c.n) <> 0
      ) AS f
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players, fine)
    SELECT g.period, g.bucket, sum(g.n), ARRAY[coalesce(sum(g.n) FILTER (WHERE g.d = 0), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 1), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 2), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 3), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 4), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 5), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 6), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 7), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 8), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 9), 0)]
    FROM (
      SELECT f.period, wager_bucket(f.fine) AS bucket, wager_fine_digit(f.fine) AS d, f.n
      FROM (
        SELECT 'all' AS period, trunc(r.wager_all_time, 3 - length(trunc(r.wager_all_time)::text)) AS fine, -count(*) AS n FROM old_rows r WHERE r.wager_all_time > 0 GROUP BY 2
        UNION ALL
        SELECT 'month' AS period, trunc(r.wager_month, 3 - length(trunc(r.wager_month)::text)) AS fine, -count(*) AS n FROM old_rows r WHERE r.wager_month > 0 GROUP BY 2
        UNION ALL
        SELECT 'today' AS period, trunc(r.wager_today, 3 - length(trunc(r.wager_today)::text)) AS fine, -count(*) AS n FROM old_rows r WHERE r.wager_today > 0 GROUP BY 2
        UNION ALL
        SELECT 'week' AS period, trunc(r.wager_week, 3 - length(trunc(r.wager_week)::text)) AS fine, -count(*) AS n FROM old_rows r WHERE r.wager_week > 0 GROUP BY 2
      ) AS f
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  END IF;
  RETURN NULL;
END
$$;
