-- A rank's bucket sums from the last build of the top ranks (issue #22).
--
-- leaderboard_ahead() (leaderboard.position, players.get, the first rank of a cursor's page)
-- began by summing the players of every bucket above the key's: a few hundred rows of
-- leaderboard_buckets, ~55 us of a ~0.19 ms rank at 1,000,000 players (pgbench, this machine;
-- 0.19 -> 0.13 ms with one row read instead). leaderboard_top_ranks_build() (migration 0023) now
-- also copies the bucket counts into leaderboard_buckets_above, each bucket with the players in
-- the buckets above it, under the same lock and the same mark: the copy holds exactly when the
-- top ranks do (their state's mark equals the sequence players_wager_changes). While it holds,
-- a rank reads its bucket's row there; otherwise, or when its bucket has no row, it sums as
-- before. The counting inside the key's fine bucket is unchanged. ~2,200 rows at 1,000,000
-- players (a few hundred buckets per period): a few ms more per build.
CREATE TABLE "leaderboard_buckets_above" (
	"period" text NOT NULL,
	"bucket" numeric(20, 2) NOT NULL,
	"above" bigint NOT NULL,
	"fine" bigint[] NOT NULL,
	CONSTRAINT "leaderboard_buckets_above_period_bucket_pk" PRIMARY KEY("period","bucket")
);
--> statement-breakpoint
-- The last build made no copy: it no longer holds, so each instance builds at start.
DELETE FROM leaderboard_top_ranks_state;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION leaderboard_top_ranks_build(p_depth integer) RETURNS bigint
  LANGUAGE plpgsql
  AS $$
DECLARE
  mark bigint;
  built bigint;
BEGIN
  LOCK TABLE leaderboard_top_ranks IN EXCLUSIVE MODE;
  LOCK TABLE players IN SHARE MODE;
  -- Built by another session meanwhile (two instances catching up at start): nothing to do.
  IF (SELECT s.changes FROM leaderboard_top_ranks_state s) = (SELECT c.last_value FROM players_wager_changes c) THEN
    RETURN 0;
  END IF;
  mark := nextval('players_wager_changes');
  DELETE FROM leaderboard_top_ranks;
  INSERT INTO leaderboard_top_ranks (period, uid, wager, ahead)
  SELECT 'today', t.uid, t.w, row_number() OVER (ORDER BY t.w DESC, t.uid) - 1
    FROM (SELECT p.uid, p.wager_today AS w FROM players p WHERE p.wager_today > 0 ORDER BY p.wager_today DESC, p.uid LIMIT p_depth) AS t
  UNION ALL
  SELECT 'week', t.uid, t.w, row_number() OVER (ORDER BY t.w DESC, t.uid) - 1
    FROM (SELECT p.uid, p.wager_week AS w FROM players p WHERE p.wager_week > 0 ORDER BY p.wager_week DESC, p.uid LIMIT p_depth) AS t
  UNION ALL
  SELECT 'month', t.uid, t.w, row_number() OVER (ORDER BY t.w DESC, t.uid) - 1
    FROM (SELECT p.uid, p.wager_month AS w FROM players p WHERE p.wager_month > 0 ORDER BY p.wager_month DESC, p.uid LIMIT p_depth) AS t
  UNION ALL
  SELECT 'all', t.uid, t.w, row_number() OVER (ORDER BY t.w DESC, t.uid) - 1
    FROM (SELECT p.uid, p.wager_all_time AS w FROM players p WHERE p.wager_all_time > 0 ORDER BY p.wager_all_time DESC, p.uid LIMIT p_depth) AS t;
  GET DIAGNOSTICS built = ROW_COUNT;
  DELETE FROM leaderboard_buckets_above;
  INSERT INTO leaderboard_buckets_above (period, bucket, above, fine)
  SELECT b.period, b.bucket, sum(b.players) OVER (PARTITION BY b.period ORDER BY b.bucket DESC) - b.players, b.fine
    FROM leaderboard_buckets b;
  INSERT INTO leaderboard_top_ranks_state (id, changes, built_at) VALUES (true, mark, now())
    ON CONFLICT (id) DO UPDATE SET changes = excluded.changes, built_at = excluded.built_at;
  RETURN built;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION leaderboard_ahead(p_period text, p_wager numeric, p_uid text) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  own_bucket numeric := wager_bucket(p_wager);
  own_digit integer := wager_fine_digit(p_wager);
  fine_upper numeric := wager_fine_bucket_next(p_wager);
  fine_lower numeric := trunc(p_wager, 3 - length(trunc(p_wager)::text));
  higher bigint;
  fine bigint[];
  fine_total bigint;
  share double precision := 0;
  lo text;
  hi text;
  counted bigint;
  here integer;
BEGIN
  -- The players in the buckets above, and the own bucket's fine counts: one row of the last
  -- build while it holds, else summed from the live counts.
  SELECT a.above, a.fine INTO higher, fine FROM leaderboard_buckets_above a
    WHERE a.period = p_period AND a.bucket = own_bucket
      AND (SELECT s.changes FROM leaderboard_top_ranks_state s) = (SELECT c.last_value FROM players_wager_changes c);
  IF NOT FOUND THEN
    SELECT coalesce(sum(b.players), 0) INTO higher
      FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket > own_bucket;
    SELECT b.fine INTO fine FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket = own_bucket;
  END IF;
  higher := higher + coalesce((SELECT sum(x) FROM unnest(fine[own_digit + 2:10]) AS x), 0);
  fine_total := coalesce(fine[own_digit + 1], 0);
  IF fine_total > 64 THEN
    -- The share of the fine bucket ahead of the key, were its amounts spread evenly over it
    -- and the ties at the key's amount spread evenly over their uids.
    IF fine_upper - fine_lower = 0.01 THEN
      IF p_period = 'today' THEN
        SELECT min(p.uid), max(p.uid) INTO lo, hi FROM players p WHERE p.wager_today = p_wager;
      ELSIF p_period = 'week' THEN
        SELECT min(p.uid), max(p.uid) INTO lo, hi FROM players p WHERE p.wager_week = p_wager;
      ELSIF p_period = 'month' THEN
        SELECT min(p.uid), max(p.uid) INTO lo, hi FROM players p WHERE p.wager_month = p_wager;
      ELSE
        SELECT min(p.uid), max(p.uid) INTO lo, hi FROM players p WHERE p.wager_all_time = p_wager;
      END IF;
      share := coalesce(text_fraction(lo, hi, p_uid), 0);
    ELSE
      share := ((fine_upper - p_wager)::double precision - 0.005) / (fine_upper - fine_lower)::double precision;
    END IF;
  END IF;
  IF share <= 0.5 THEN
    IF p_period = 'today' THEN
      SELECT (SELECT count(*) FROM players p WHERE p.wager_today > p_wager AND p.wager_today < fine_upper)
        + (SELECT count(*) FROM players p WHERE p.wager_today = p_wager AND p.uid < p_uid) INTO counted;
    ELSIF p_period = 'week' THEN
      SELECT (SELECT count(*) FROM players p WHERE p.wager_week > p_wager AND p.wager_week < fine_upper)
        + (SELECT count(*) FROM players p WHERE p.wager_week = p_wager AND p.uid < p_uid) INTO counted;
    ELSIF p_period = 'month' THEN
      SELECT (SELECT count(*) FROM players p WHERE p.wager_month > p_wager AND p.wager_month < fine_upper)
        + (SELECT count(*) FROM players p WHERE p.wager_month = p_wager AND p.uid < p_uid) INTO counted;
    ELSIF p_period = 'all' THEN
      SELECT (SELECT count(*) FROM players p WHERE p.wager_all_time > p_wager AND p.wager_all_time < fine_upper)
        + (SELECT count(*) FROM players p WHERE p.wager_all_time = p_wager AND p.uid < p_uid) INTO counted;
    ELSE
      RAISE EXCEPTION 'unknown leaderboard period %', p_period;
    END IF;
    RETURN higher + counted;
  END IF;
  -- From the lower end: the entries behind the key, and the key itself if it is stored (a cursor
  -- may name a key that has since moved).
  IF p_period = 'today' THEN
    SELECT (SELECT count(*) FROM players p WHERE p.wager_today >= fine_lower AND p.wager_today < p_wager)
      + (SELECT count(*) FROM players p WHERE p.wager_today = p_wager AND p.uid > p_uid),
      (SELECT count(*) FROM players p WHERE p.uid = p_uid AND p.wager_today = p_wager) INTO counted, here;
  ELSIF p_period = 'week' THEN
    SELECT (SELECT count(*) FROM players p WHERE p.wager_week >= fine_lower AND p.wager_week < p_wager)
      + (SELECT count(*) FROM players p WHERE p.wager_week = p_wager AND p.uid > p_uid),
      (SELECT count(*) FROM players p WHERE p.uid = p_uid AND p.wager_week = p_wager) INTO counted, here;
  ELSIF p_period = 'month' THEN
    SELECT (SELECT count(*) FROM players p WHERE p.wager_month >= fine_lower AND p.wager_month < p_wager)
      + (SELECT count(*) FROM players p WHERE p.wager_month = p_wager AND p.uid > p_uid),
      (SELECT count(*) FROM players p WHERE p.uid = p_uid AND p.wager_month = p_wager) INTO counted, here;
  ELSIF p_period = 'all' THEN
    SELECT (SELECT count(*) FROM players p WHERE p.wager_all_time >= fine_lower AND p.wager_all_time < p_wager)
      + (SELECT count(*) FROM players p WHERE p.wager_all_time = p_wager AND p.uid > p_uid),
      (SELECT count(*) FROM players p WHERE p.uid = p_uid AND p.wager_all_time = p_wager) INTO counted, here;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN higher + fine_total - counted - here;
END
$$;
