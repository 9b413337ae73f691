-- Finer rank counts (issue #22): `leaderboard_fine_buckets` (migration 0012) holds, per period,
-- how many ranked players each fine bucket has -- the wager truncated to three significant
-- digits (12345.67 -> 12300, 99.99 -> 99.9, 0.57 -> 0.57) -- ten fine buckets under each bucket
-- of `leaderboard_buckets`. A rank is then: players in higher buckets + players in higher fine
-- buckets inside the own bucket (at most nine rows) + a short index range inside the own fine
-- bucket + the ties before the uid. The range left to count shrinks tenfold (up to ~6,000 index
-- entries in the densest bucket of the 1,000,000-player bench, now up to ~700 outside exact ties).
-- The same statement-level trigger keeps both tables: one pass over the transition tables per
-- writing statement, the coarse counts summed from the fine ones.
-- A wager's fine bucket: the wager truncated to three significant digits.
CREATE FUNCTION wager_fine_bucket(wager numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trunc(wager, 3 - length(trunc(wager)::text)) $$;
--> statement-breakpoint
-- The lower bound of the next fine bucket.
CREATE FUNCTION wager_fine_bucket_next(wager numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trunc(wager, 3 - length(trunc(wager)::text)) + power(10::numeric, length(trunc(wager)::text) - 3) $$;
--> statement-breakpoint
-- How many ranked players stand ahead of (wager, uid) in a period: rank - 1, for wager > 0.
CREATE OR REPLACE FUNCTION leaderboard_ahead(p_period text, p_wager numeric, p_uid text) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  fine numeric := wager_fine_bucket(p_wager);
  fine_upper numeric := wager_fine_bucket_next(p_wager);
  higher bigint;
  higher_fine bigint;
  inside bigint;
  tied bigint;
BEGIN
  SELECT coalesce(sum(b.players), 0) INTO higher FROM leaderboard_buckets b
    WHERE b.period = p_period AND b.bucket > wager_bucket(p_wager);
  SELECT coalesce(sum(f.players), 0) INTO higher_fine FROM leaderboard_fine_buckets f
    WHERE f.period = p_period AND f.bucket > fine AND f.bucket < wager_bucket_next(p_wager);
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
  RETURN higher + higher_fine + inside + tied;
END
$$;
--> statement-breakpoint
-- leaderboard_ahead() for many keys in one call (name search ranks every match it shows): one
-- statement per call instead of one function call and four statements per key, plans kept
-- for the session. The result is in the order of the keys; null for no keys.
CREATE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
BEGIN
  IF p_period = 'today' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(b.players), 0) FROM leaderboard_buckets b
          WHERE b.period = p_period AND b.bucket > wager_bucket(k.w))
        + (SELECT coalesce(sum(f.players), 0) FROM leaderboard_fine_buckets f
          WHERE f.period = p_period AND f.bucket > wager_fine_bucket(k.w) AND f.bucket < wager_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_today > k.w AND p.wager_today < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'week' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(b.players), 0) FROM leaderboard_buckets b
          WHERE b.period = p_period AND b.bucket > wager_bucket(k.w))
        + (SELECT coalesce(sum(f.players), 0) FROM leaderboard_fine_buckets f
          WHERE f.period = p_period AND f.bucket > wager_fine_bucket(k.w) AND f.bucket < wager_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_week > k.w AND p.wager_week < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'month' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(b.players), 0) FROM leaderboard_buckets b
          WHERE b.period = p_period AND b.bucket > wager_bucket(k.w))
        + (SELECT coalesce(sum(f.players), 0) FROM leaderboard_fine_buckets f
          WHERE f.period = p_period AND f.bucket > wager_fine_bucket(k.w) AND f.bucket < wager_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_month > k.w AND p.wager_month < wager_fine_bucket_next(k.w))
        + (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid < k.uid)
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i);
  ELSIF p_period = 'all' THEN
    SELECT array_agg(
        (SELECT coalesce(sum(b.players), 0) FROM leaderboard_buckets b
          WHERE b.period = p_period AND b.bucket > wager_bucket(k.w))
        + (SELECT coalesce(sum(f.players), 0) FROM leaderboard_fine_buckets f
          WHERE f.period = p_period AND f.bucket > wager_fine_bucket(k.w) AND f.bucket < wager_bucket_next(k.w))
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
-- Statement-level, with transition tables, as in migration 0003; now one pass feeds both tables.
CREATE OR REPLACE FUNCTION leaderboard_buckets_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM leaderboard_buckets;
    DELETE FROM leaderboard_fine_buckets;
  ELSIF TG_OP = 'INSERT' THEN
    WITH fine AS (
      SELECT v.period, wager_fine_bucket(v.wager) AS bucket, count(*) AS delta
      FROM new_rows r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2
    ), fine_upsert AS (
      INSERT INTO leaderboard_fine_buckets AS b (period, bucket, players)
      SELECT period, bucket, delta FROM fine ORDER BY 1, 2
      ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players
    )
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT period, wager_bucket(bucket), sum(delta) FROM fine GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH fine AS (
      SELECT v.period, wager_fine_bucket(v.wager) AS bucket, sum(r.delta) AS delta
      FROM (
        SELECT n.wager_today, n.wager_week, n.wager_month, n.wager_all_time, 1 AS delta FROM new_rows n
        UNION ALL
        SELECT o.wager_today, o.wager_week, o.wager_month, o.wager_all_time, -1 FROM old_rows o
      ) r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2 HAVING sum(r.delta) <> 0
    ), fine_upsert AS (
      INSERT INTO leaderboard_fine_buckets AS b (period, bucket, players)
      SELECT period, bucket, delta FROM fine ORDER BY 1, 2
      ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players
    )
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT period, wager_bucket(bucket), sum(delta) FROM fine GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  ELSIF TG_OP = 'DELETE' THEN
    WITH fine AS (
      SELECT v.period, wager_fine_bucket(v.wager) AS bucket, -count(*) AS delta
      FROM old_rows r
      CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
        ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
      WHERE v.wager > 0
      GROUP BY 1, 2
    ), fine_upsert AS (
      INSERT INTO leaderboard_fine_buckets AS b (period, bucket, players)
      SELECT period, bucket, delta FROM fine ORDER BY 1, 2
      ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players
    )
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT period, wager_bucket(bucket), sum(delta) FROM fine GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The fine counts of the players already there (the coarse ones are unchanged).
INSERT INTO leaderboard_fine_buckets (period, bucket, players)
SELECT v.period, wager_fine_bucket(v.wager), count(*)
FROM players p
CROSS JOIN LATERAL (VALUES ('today', p.wager_today), ('week', p.wager_week),
  ('month', p.wager_month), ('all', p.wager_all_time)) AS v(period, wager)
WHERE v.wager > 0
GROUP BY 1, 2;
