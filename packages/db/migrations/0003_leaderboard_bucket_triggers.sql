-- Rank support for the leaderboards (see leaderboard_buckets in src/schema/players.ts).
-- A wager's bucket is the wager truncated to two significant digits: 12345.67 -> 12000,
-- 99.99 -> 99, 0.57 -> 0.5. Buckets partition the amounts in order, so a player's rank is
-- "ranked players in higher buckets" + "players ahead inside the player's own bucket".
CREATE FUNCTION wager_bucket(wager numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trunc(wager, 2 - length(trunc(wager)::text)) $$;
--> statement-breakpoint
-- The lower bound of the next bucket: every amount >= it is in a higher bucket.
CREATE FUNCTION wager_bucket_next(wager numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT trunc(wager, 2 - length(trunc(wager)::text)) + power(10::numeric, length(trunc(wager)::text) - 2) $$;
--> statement-breakpoint
-- How many ranked players stand ahead of (wager, uid) in a period: rank - 1, for wager > 0.
-- Higher buckets' counts + a short index range inside the own bucket + the ties before uid.
-- PL/pgSQL keeps its statements' plans for the session, and forcing generic plans makes that
-- stick: planning these three small queries would otherwise cost as much as running them.
CREATE FUNCTION leaderboard_ahead(p_period text, p_wager numeric, p_uid text) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  upper_bound numeric := wager_bucket_next(p_wager);
  higher bigint;
  inside bigint;
  tied bigint;
BEGIN
  SELECT coalesce(sum(b.players), 0) INTO higher FROM leaderboard_buckets b
    WHERE b.period = p_period AND b.bucket > wager_bucket(p_wager);
  IF p_period = 'today' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_today > p_wager AND p.wager_today < upper_bound;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_today = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'week' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_week > p_wager AND p.wager_week < upper_bound;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_week = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'month' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_month > p_wager AND p.wager_month < upper_bound;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_month = p_wager AND p.uid < p_uid;
  ELSIF p_period = 'all' THEN
    SELECT count(*) INTO inside FROM players p WHERE p.wager_all_time > p_wager AND p.wager_all_time < upper_bound;
    SELECT count(*) INTO tied FROM players p WHERE p.wager_all_time = p_wager AND p.uid < p_uid;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN higher + inside + tied;
END
$$;
--> statement-breakpoint
-- Statement-level, with transition tables: one aggregated upsert per writing statement (a
-- 1,000-row sync chunk costs one small GROUP BY, not 1,000 trigger calls), inside the
-- writer's transaction, so the counts are always exactly those of the visible players.
-- Rows are upserted in (period, bucket) order so concurrent writers lock them in one order.
CREATE FUNCTION leaderboard_buckets_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM leaderboard_buckets;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT v.period, wager_bucket(v.wager), count(*)
    FROM new_rows r
    CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
      ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
    WHERE v.wager > 0
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT v.period, wager_bucket(v.wager), sum(r.delta)
    FROM (
      SELECT n.wager_today, n.wager_week, n.wager_month, n.wager_all_time, 1 AS delta FROM new_rows n
      UNION ALL
      SELECT o.wager_today, o.wager_week, o.wager_month, o.wager_all_time, -1 FROM old_rows o
    ) r
    CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
      ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
    WHERE v.wager > 0
    GROUP BY 1, 2 HAVING sum(r.delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO leaderboard_buckets AS b (period, bucket, players)
    SELECT v.period, wager_bucket(v.wager), -count(*)
    FROM old_rows r
    CROSS JOIN LATERAL (VALUES ('today', r.wager_today), ('week', r.wager_week),
      ('month', r.wager_month), ('all', r.wager_all_time)) AS v(period, wager)
    WHERE v.wager > 0
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (period, bucket) DO UPDATE SET players = b.players + excluded.players;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER players_leaderboard_buckets_insert AFTER INSERT ON players
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leaderboard_buckets_track();
--> statement-breakpoint
CREATE TRIGGER players_leaderboard_buckets_update AFTER UPDATE ON players
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leaderboard_buckets_track();
--> statement-breakpoint
CREATE TRIGGER players_leaderboard_buckets_delete AFTER DELETE ON players
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION leaderboard_buckets_track();
--> statement-breakpoint
CREATE TRIGGER players_leaderboard_buckets_truncate AFTER TRUNCATE ON players
  FOR EACH STATEMENT EXECUTE FUNCTION leaderboard_buckets_track();
--> statement-breakpoint
INSERT INTO leaderboard_buckets (period, bucket, players)
SELECT v.period, wager_bucket(v.wager), count(*)
FROM players p
CROSS JOIN LATERAL (VALUES ('today', p.wager_today), ('week', p.wager_week),
  ('month', p.wager_month), ('all', p.wager_all_time)) AS v(period, wager)
WHERE v.wager > 0
GROUP BY 1, 2;
