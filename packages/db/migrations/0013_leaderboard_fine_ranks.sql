-- Finer rank counts (issue #22). A rank was: ranked players in higher buckets (two significant
-- digits, `leaderboard_buckets`) + an index range inside the player's own bucket + the ties
-- before the uid; that range held up to ~6,000 index entries in the densest bucket of the
-- 1,000,000-player bench. Each bucket now also counts its players by their third significant
-- digit (`fine`, migration 0012: ten counts, `fine[d + 1]` for digit d), so a rank adds the own
-- bucket's counts above the player's digit and counts only inside the player's fine bucket —
-- a range a tenth as wide. Kept by the same statement-level trigger, in the same statement,
-- upserting the same rows as before (one per period and bucket, not one per fine bucket: a
-- separate table of fine buckets was measured at 2-3x the trigger's cost per sync chunk; this
-- at about 2x, ~0.4 s more per 25,000 changed players on the loaded machine of the time).

-- A wager's third significant digit in the sense of `wager_bucket()` (whose two digits count
-- the integer 0 of amounts under 1): 12345.67 -> 3, 99.99 -> 9, 5.43 -> 3, 0.57 -> 7, 0.05 -> 5.
-- Read from the text (numeric(20,2) always prints its cents): cheaper than numeric arithmetic,
-- and the trigger computes it for every wager a writing statement touches.
CREATE FUNCTION wager_fine_digit(wager numeric) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT substr(rpad(replace(wager::text, '.', ''), 3, '0'), 3, 1)::integer $$;
--> statement-breakpoint
-- The lower bound of the next fine bucket: the wager truncated to three significant digits, plus one in the third.
CREATE FUNCTION wager_fine_bucket_next(wager numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trunc(wager, 3 - length(trunc(wager)::text)) + power(10::numeric, length(trunc(wager)::text) - 3) $$;
--> statement-breakpoint
-- How many ranked players stand ahead of (wager, uid) in a period: rank - 1, for wager > 0.
-- Higher buckets whole, the own bucket's fine counts above the own digit, a short index range
-- inside the own fine bucket, the ties before uid. Plans kept for the session (migration 0003).
CREATE OR REPLACE FUNCTION leaderboard_ahead(p_period text, p_wager numeric, p_uid text) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  own_bucket numeric := wager_bucket(p_wager);
  own_digit integer := wager_fine_digit(p_wager);
  fine_upper numeric := wager_fine_bucket_next(p_wager);
  higher bigint;
  inside bigint;
  tied bigint;
BEGIN
  SELECT coalesce(sum(CASE WHEN b.bucket > own_bucket THEN b.players
      ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[own_digit + 2:10]) AS x) END), 0)
    INTO higher FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= own_bucket;
  IF p_period = 'today' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_today > p_wager AND p.wager_today < fine_upper;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_today = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'week' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_week > p_wager AND p.wager_week < fine_upper;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_week = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'month' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_month > p_wager AND p.wager_month < fine_upper;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_month = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'all' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_all_time > p_wager AND p.wager_all_time < fine_upper;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_all_time = p_wager AND p.uid < p_uid;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN higher + inside + tied;
END
$$;
--> statement-breakpoint
-- leaderboard_ahead() for many keys in one call (name search ranks every match it shows): one
-- statement instead of one function call and three statements per key, plans kept for the
-- session. The result is in the order of the keys; null for no keys.
CREATE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
BEGIN
  IF p_period = 'today' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(CASE WHEN b.bucket > wager_bucket(k.w) THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[wager_fine_digit(k.w) + 2:10]) AS x) END), 0)
          FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= wager_bucket(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_today > k.w AND p.wager_today < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'week' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(CASE WHEN b.bucket > wager_bucket(k.w) THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[wager_fine_digit(k.w) + 2:10]) AS x) END), 0)
          FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= wager_bucket(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_week > k.w AND p.wager_week < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'month' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(CASE WHEN b.bucket > wager_bucket(k.w) THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[wager_fine_digit(k.w) + 2:10]) AS x) END), 0)
          FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= wager_bucket(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_month > k.w AND p.wager_month < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'all' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(CASE WHEN b.bucket > wager_bucket(k.w) THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[wager_fine_digit(k.w) + 2:10]) AS x) END), 0)
          FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= wager_bucket(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_all_time > k.w AND p.wager_all_time < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_all_time = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN result;
END
$$;
--> statement-breakpoint
-- As in migration 0003 (statement-level, transition tables, one aggregated upsert per writing
-- statement, rows in (period, bucket) order), now with each bucket's ten fine counts: grouped by
-- (period, bucket, digit) first, then folded into one row per bucket — ten filtered sums over
-- every changed wager cost twice as much as over those groups.
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
      SELECT v.period, wager_bucket(v.wager) AS bucket, wager_fine_digit(v.wager) AS d, count(*) AS n
      FROM new_rows r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2, 3
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players, fine)
    SELECT g.period, g.bucket, sum(g.n), ARRAY[coalesce(sum(g.n) FILTER (WHERE g.d = 0), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 1), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 2), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 3), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 4), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 5), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 6), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 7), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 8), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 9), 0)]
    FROM (
      SELECT v.period, wager_bucket(v.wager) AS bucket, wager_fine_digit(v.wager) AS d, sum(r.delta) AS n
      FROM (
        SELECT n.wager_today, n.wager_week, n.wager_month, n.wager_all_time, 1 AS delta FROM new_rows n
        UNION ALL
        SELECT o.wager_today, o.wager_week, o.wager_month, o.wager_all_time, -1 FROM old_rows o
      ) AS r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2, 3 HAVING sum(r.delta) <> 0
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players, fine)
    SELECT g.period, g.bucket, sum(g.n), ARRAY[coalesce(sum(g.n) FILTER (WHERE g.d = 0), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 1), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 2), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 3), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 4), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 5), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 6), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 7), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 8), 0), coalesce(sum(g.n) FILTER (WHERE g.d = 9), 0)]
    FROM (
      SELECT v.period, wager_bucket(v.wager) AS bucket, wager_fine_digit(v.wager) AS d, -count(*) AS n
      FROM old_rows r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2, 3
    ) AS g
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players,
      fine = ARRAY[b.fine[1] + excluded.fine[1], b.fine[2] + excluded.fine[2], b.fine[3] + excluded.fine[3], b.fine[4] + excluded.fine[4], b.fine[5] + excluded.fine[5], b.fine[6] + excluded.fine[6], b.fine[7] + excluded.fine[7], b.fine[8] + excluded.fine[8], b.fine[9] + excluded.fine[9], b.fine[10] + excluded.fine[10]];
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The fine counts of the players already there (each bucket's total is unchanged).
UPDATE leaderboard_buckets AS b SET fine = s.fine
FROM (
  SELECT v.period, wager_bucket(v.wager) AS bucket, ARRAY[count(*) FILTER (WHERE f.d = 0), count(*) FILTER (WHERE f.d = 1), count(*) FILTER (WHERE f.d = 2), count(*) FILTER (WHERE f.d = 3), count(*) FILTER (WHERE f.d = 4), count(*) FILTER (WHERE f.d = 5), count(*) FILTER (WHERE f.d = 6), count(*) FILTER (WHERE f.d = 7), count(*) FILTER (WHERE f.d = 8), count(*) FILTER (WHERE f.d = 9)] AS fine
  FROM players r
  CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      CROSS JOIN LATERAL (SELECT wager_fine_digit(v.wager) AS d) AS f
  WHERE v.wager > 0
  GROUP BY 1, 2
) AS s
WHERE b.period = s.period AND b.bucket = s.bucket;
