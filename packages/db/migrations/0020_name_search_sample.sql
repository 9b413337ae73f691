-- Name search at 1,000,000 players: a prefix with many matches goes straight to the walk, and
-- the rows kept are one array (issue #22).
--
-- leaderboard_search() (migrations 0017, 0019) chooses its way by counting the matches in the
-- name index up to p_few (2,000): fewer, read them all; more, walk the rank index. A prefix with
-- many matches ("player 12": 11,111 of a million) paid for reading 2,000 name-index entries only
-- to learn that it should walk: ~0.45 ms of a two-digit search's ~1.4 ms.
--
-- A sample answers that first: players_name_sample_idx holds the names of the players with
-- hashtext(uid) % 100 = 0, about 1 in 100 of them whatever their names (uid is the upstream's
-- id, fixed per player), kept by PostgreSQL itself on every insert and update like any index:
-- 328 kB at 1,000,000 players. A prefix's sampled matches, counted up to p_few / 50, estimate
-- its matches at 100 times that. p_few / 50 of them or more (40, for m ~ 4,000 and up): the
-- walk, without the count. Fewer: the count as before. A binomial count of 40 where 20 are
-- expected (m = p_few) is ~4.5 standard deviations out, so a prefix the count would have sent
-- the few-matches way is almost never sent to walk; and either way stays exact (a walk that
-- finds less than a page in p_walk rows gives way to reading every match). With p_few under
-- 500 (tests' small figures) the sample is too small to say anything and is not asked.
-- Measured on the bench's 1,000,000 players (pgbench, one connection, month): two-digit
-- prefixes 1.36 -> 0.96 ms, one-digit 0.90 -> 0.48 ms, three-digit unchanged (0.77 ms).
-- The sample index carries the name (INCLUDE): with lower(name) alone the planner visits the
-- table for each entry (an expression index does not give back the column it is made of).
CREATE INDEX "players_name_sample_idx" ON "players" USING btree (lower("name") text_pattern_ops) INCLUDE ("name") WHERE hashtext("uid") % 100 = 0;
--> statement-breakpoint
-- The rows a search keeps, as one array of this type instead of four arrays (uids, names,
-- wagers, all-time wagers): the first page's read of up to p_few name-index entries keeps its
-- matches above the floor with one filtered aggregate instead of four (~0.24 -> ~0.16 ms for a
-- three-digit prefix's 1,111 entries, measured in the server), and each way's page is one
-- ordered aggregate, one sort, instead of four.
CREATE TYPE "leaderboard_search_row" AS (uid text, name text, w numeric, a numeric);
--> statement-breakpoint
-- Migration 0019's function with the sample asked first (the block marked "This migration")
-- and its rows as leaderboard_search_row[]; the ways and their order unchanged.
CREATE OR REPLACE FUNCTION leaderboard_search(p_period text, p_search text, p_after_w numeric, p_after_u text,
    p_limit integer, p_few integer, p_walk integer)
  RETURNS TABLE (uid text, name text, wagered text, all_time text, ahead bigint)
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  lo text := lower(p_search);
  hi text := text_prefix_next(lower(p_search));
  -- No cursor: a key above every wager (numeric(20,2) stays below 10^18).
  aw numeric := coalesce(p_after_w, 1e18);
  au text := coalesce(p_after_u, '');
  take integer := p_limit + 1;
  n integer := p_few;
  -- The table's size from its statistics (an overestimate only lowers a floor; -1, so no floor,
  -- before the table's first analyze).
  size numeric;
  reach numeric;
  floor_w numeric;
  guess numeric;
  -- The page's rows (up to p_limit + 1), in the board's order.
  rs leaderboard_search_row[];
  ks text[];
  ws numeric[];
  shown integer;
  aheads bigint[];
  -- Matches among the sampled players (about 1 in 100, hashtext(uid) % 100 = 0).
  sampled integer;
BEGIN
  IF p_period NOT IN ('today', 'week', 'month', 'all') THEN
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  IF hi IS NULL THEN
    -- A prefix of only the highest code point: the names from `lo` on are exactly those with
    -- the prefix (nothing sorts above it), and too rare to need more than this one way.
    SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
      SELECT s.uid, s.name, s.w, s.a FROM (
        SELECT p.uid, p.name, p.wager_all_time AS a, CASE p_period WHEN 'today' THEN p.wager_today
              WHEN 'week' THEN p.wager_week WHEN 'month' THEN p.wager_month ELSE p.wager_all_time END AS w
        FROM players p WHERE lower(p.name) ~>=~ lo
      ) s WHERE s.w > 0 AND (s.w < aw OR (s.w = aw AND s.uid > au))
      ORDER BY s.w DESC, s.uid LIMIT take
    ) t;
  ELSE
    -- This migration: many matches for certain (the sample's count, see above), straight to
    -- the walk without the count. Else (and with p_few under 500) as in migration 0019.
    IF p_few >= 500 THEN
      SELECT count(*) INTO sampled FROM (
        SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi AND hashtext(p.uid) % 100 = 0
        LIMIT p_few / 50) s;
    END IF;
    IF sampled >= p_few / 50 THEN
      n := p_few;
    ELSE
      IF p_after_w IS NULL THEN
        -- The lowest of the top buckets (a few at most, read backwards from their index) that
        -- holds, with the buckets above it, `reach` players; none if these are not enough.
        SELECT c.reltuples INTO size FROM pg_class c WHERE c.oid = 'players'::regclass;
        reach := 8 * take * size / p_few;
        IF reach > 0 THEN
          SELECT f.bucket INTO floor_w FROM (
            SELECT b.bucket, sum(b.players) OVER (ORDER BY b.bucket DESC) AS reached FROM (
              SELECT lb.bucket, lb.players FROM leaderboard_buckets lb WHERE lb.period = p_period
              ORDER BY lb.bucket DESC LIMIT 64) b
          ) f WHERE f.reached >= reach ORDER BY f.bucket DESC LIMIT 1;
        END IF;
        guess := floor_w;
      END IF;
      IF floor_w > 0 THEN
        -- The count and the matches at or above the floor in one read (first page).
        IF p_period = 'today' THEN
          SELECT count(*), array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row) FILTER (WHERE t.keep)
            INTO n, rs FROM (
              SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a, p.wager_today >= floor_w AS keep
              FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
            ) t;
        ELSIF p_period = 'week' THEN
          SELECT count(*), array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row) FILTER (WHERE t.keep)
            INTO n, rs FROM (
              SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a, p.wager_week >= floor_w AS keep
              FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
            ) t;
        ELSIF p_period = 'month' THEN
          SELECT count(*), array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row) FILTER (WHERE t.keep)
            INTO n, rs FROM (
              SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a, p.wager_month >= floor_w AS keep
              FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
            ) t;
        ELSE
          SELECT count(*), array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row) FILTER (WHERE t.keep)
            INTO n, rs FROM (
              SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a, p.wager_all_time >= floor_w AS keep
              FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
            ) t;
        END IF;
        IF n < p_few AND coalesce(cardinality(rs), 0) >= take THEN
          -- The page: the top of those, in the board's order.
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT k.uid, k.name, k.w, k.a FROM unnest(rs) AS k
            ORDER BY k.w DESC, k.uid LIMIT take
          ) t;
        ELSIF n < p_few THEN
          -- Too few at or above the guessed floor: the few-matches way below, with the floor
          -- for the matches counted.
          rs := NULL;
          floor_w := NULL;
          IF n > 0 THEN
            reach := 4 * take * size / n;
            SELECT f.bucket INTO floor_w FROM (
              SELECT b.bucket, sum(b.players) OVER (ORDER BY b.bucket DESC) AS reached FROM (
                SELECT lb.bucket, lb.players FROM leaderboard_buckets lb WHERE lb.period = p_period
                ORDER BY lb.bucket DESC LIMIT 64) b
            ) f WHERE f.reached >= reach ORDER BY f.bucket DESC LIMIT 1;
          END IF;
          IF floor_w >= guess THEN
            floor_w := NULL;
          END IF;
        END IF;
      ELSE
        floor_w := NULL;
        SELECT count(*) INTO n FROM (
          SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
        ) c;
      END IF;
    END IF;
    IF n >= p_few THEN
      floor_w := NULL;
      -- Way 2, index-only: the rank index carries the name (this migration); the all-time wager
      -- (for the tier) is read for the rows kept only. `w <= aw` as well: a bound the rank index
      -- can seek to (the `or` alone it cannot).
      IF p_period = 'today' THEN
        SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_today AS w FROM players p
            WHERE p.wager_today > 0 AND p.wager_today <= aw AND (p.wager_today < aw OR p.uid > au)
            ORDER BY p.wager_today DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'week' THEN
        SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_week AS w FROM players p
            WHERE p.wager_week > 0 AND p.wager_week <= aw AND (p.wager_week < aw OR p.uid > au)
            ORDER BY p.wager_week DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'month' THEN
        SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_month AS w FROM players p
            WHERE p.wager_month > 0 AND p.wager_month <= aw AND (p.wager_month < aw OR p.uid > au)
            ORDER BY p.wager_month DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSE
        SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
          SELECT q.uid, q.name, q.w, q.w AS a FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w FROM players p
            WHERE p.wager_all_time > 0 AND p.wager_all_time <= aw AND (p.wager_all_time < aw OR p.uid > au)
            ORDER BY p.wager_all_time DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      END IF;
    END IF;
    IF rs IS NULL OR (n >= p_few AND cardinality(rs) < take) THEN
      -- Way 1: every match, sorted by the period's wager, on a first page only those at or above
      -- the floor, then (too few there) all of them. `+ 0` on the wager: so that the plan cannot
      -- become a scan of the rank index (which now carries the name: for `all` it holds every
      -- column here, and a generic plan took it, reading every entry above the floor).
      floor_w := coalesce(floor_w, 0);
      LOOP
        IF p_period = 'today' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_today + 0 >= floor_w AND p.wager_today + 0 > 0 AND p.wager_today + 0 <= aw AND (p.wager_today + 0 < aw OR p.uid > au)
            ORDER BY p.wager_today + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'week' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_week + 0 >= floor_w AND p.wager_week + 0 > 0 AND p.wager_week + 0 <= aw AND (p.wager_week + 0 < aw OR p.uid > au)
            ORDER BY p.wager_week + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'month' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_month + 0 >= floor_w AND p.wager_month + 0 > 0 AND p.wager_month + 0 <= aw AND (p.wager_month + 0 < aw OR p.uid > au)
            ORDER BY p.wager_month + 0 DESC, p.uid LIMIT take
          ) t;
        ELSE
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_all_time + 0 >= floor_w AND p.wager_all_time + 0 > 0 AND p.wager_all_time + 0 <= aw AND (p.wager_all_time + 0 < aw OR p.uid > au)
            ORDER BY p.wager_all_time + 0 DESC, p.uid LIMIT take
          ) t;
        END IF;
        EXIT WHEN floor_w = 0 OR coalesce(cardinality(rs), 0) >= take;
        floor_w := 0;
      END LOOP;
    END IF;
  END IF;
  shown := least(coalesce(cardinality(rs), 0), p_limit);
  IF shown = 0 THEN
    RETURN;
  END IF;
  SELECT array_agg(k.w ORDER BY k.i), array_agg(k.uid ORDER BY k.i) INTO ws, ks
    FROM unnest(rs[1:shown]) WITH ORDINALITY AS k(uid, name, w, a, i);
  aheads := leaderboard_ahead_each(p_period, ws, ks);
  RETURN QUERY SELECT k.uid, k.name, k.w::text, k.a::text, aheads[k.i::integer]
    FROM unnest(rs) WITH ORDINALITY AS k(uid, name, w, a, i) ORDER BY k.i;
END
$$;
