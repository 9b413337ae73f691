-- Name search at 1,000,000 players: a first page reads only the matches near the top of the
-- period's board, not every match (issue #22).
--
-- A search's first page needs the top 11 matches. Migration 0020 read every match from the name
-- index (1,111 entries for a three-digit prefix of the bench's million names, ~0.26 ms of a
-- ~0.7 ms search, measured in the server) to keep the ~50 at or above a floor that the bucket
-- counts give (the lowest of the top buckets reaching ~8 pages' worth of players).
--
-- Each period now has a name index over its ranked players (w > 0) keyed by the wager's level —
-- the wager cut to its first significant digit, trunc(w, 1 - length(trunc(w)::text)): 3,456.78 ->
-- 3,000, 0.57 -> 0 — then the lowercase name, carrying what a page shows. A bucket (two
-- significant digits) has the level of its players, so every match at or above the floor sits
-- in the levels of the buckets from the top down to the floor: one range of names per level
-- (= ANY of them: one descent each). A level spans at most ten buckets, so the read holds the
-- matches above the floor and at most one level's worth below it: a few dozen of the 1,111 for a
-- three-digit prefix in `month` (~75). Ten or more of them hold the page; fewer, and the count and
-- the ways of migration 0020 decide as before.
-- A prefix the sample says has many matches (p_few / 50 sampled or more, e.g. "player 12":
-- 11,111) walked the rank index until it found a page (~1,000 entries, each name lowercased).
-- Now, on a first page, if fewer than p_few / 5 are sampled, the same read comes first with the
-- floor set for ~100 matches per sampled one; the walk when that finds less than a page.
-- Measured in the server on the bench's million players (PL/pgSQL loops, 2,000 prefixes each):
-- three digits 0.55-0.71 -> 0.38-0.41 ms, two digits 0.69-0.75 -> 0.35-0.36 ms, one digit
-- (still the walk; the sample now counted up to 400) 0.31-0.34 -> 0.32-0.35 ms. The same first
-- pages as the obvious query (ORDER BY wager DESC, uid over the LIKE matches) for every prefix
-- "player 1" ... "player 999" in every period.
-- The name is keyed with COLLATE "C" (byte order, as text_pattern_ops) and searched with
-- >= / <, which players_name_search_idx (text_pattern_ops: ~>=~ / ~<~) cannot serve, so the
-- planner cannot take one for the other. The wager is `+ 0` in the filter and the order so that
-- no plan walks the rank index's range above the floor instead.
-- Cost: four indexes of 54-78 MB at the bench's 1,000,000 players, each written on every
-- changed row: a sync of 100,000 players, every one moved, 5.3 -> 7.2 s (the COPY reference,
-- which gets the same indexes, 2.9 -> 4.1 s).
CREATE INDEX "players_name_today_idx" ON "players" USING btree (trunc("wager_today", 1 - length(trunc("wager_today")::text)),(lower("name") collate "C")) INCLUDE ("uid", "name", "wager_today", "wager_all_time") WHERE "players"."wager_today" > 0;
--> statement-breakpoint
CREATE INDEX "players_name_week_idx" ON "players" USING btree (trunc("wager_week", 1 - length(trunc("wager_week")::text)),(lower("name") collate "C")) INCLUDE ("uid", "name", "wager_week", "wager_all_time") WHERE "players"."wager_week" > 0;
--> statement-breakpoint
CREATE INDEX "players_name_month_idx" ON "players" USING btree (trunc("wager_month", 1 - length(trunc("wager_month")::text)),(lower("name") collate "C")) INCLUDE ("uid", "name", "wager_month", "wager_all_time") WHERE "players"."wager_month" > 0;
--> statement-breakpoint
CREATE INDEX "players_name_all_time_idx" ON "players" USING btree (trunc("wager_all_time", 1 - length(trunc("wager_all_time")::text)),(lower("name") collate "C")) INCLUDE ("uid", "name", "wager_all_time") WHERE "players"."wager_all_time" > 0;
--> statement-breakpoint
-- Migration 0020's function with the first page's read above (marked "This migration").
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
  -- The wager levels (first significant digit) of the buckets from the top to the floor.
  levels numeric[];
  -- The sample says many matches (this migration: then the floor is set by its estimate).
  many boolean;
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
    -- Migration 0020: the sample's count (see above). Many matches (p_few / 50 sampled or more):
    -- on a first page with fewer than p_few / 5 sampled, ~100 matches per sampled one make the
    -- floor below (this migration); else straight to the walk, without the count. Few (and with
    -- p_few under 500): as in migration 0019.
    IF p_few >= 500 THEN
      SELECT count(*) INTO sampled FROM (
        SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi AND hashtext(p.uid) % 100 = 0
        LIMIT p_few / 5) s;
    END IF;
    many := coalesce(sampled >= p_few / 50, false);
    IF many AND (sampled >= p_few / 5 OR p_after_w IS NOT NULL) THEN
      n := p_few;
    ELSE
      IF p_after_w IS NULL THEN
        -- The lowest of the top buckets (a few at most, read backwards from their index) that
        -- holds, with the buckets above it, `reach` players; none if these are not enough. With
        -- it, the levels of the buckets from the top down to it.
        SELECT c.reltuples INTO size FROM pg_class c WHERE c.oid = 'players'::regclass;
        reach := 8 * take * size / CASE WHEN many THEN 100 * sampled ELSE p_few END;
        IF reach > 0 THEN
          SELECT f.bucket, f.levels INTO floor_w, levels FROM (
            SELECT b.bucket, sum(b.players) OVER (ORDER BY b.bucket DESC) AS reached,
              array_agg(trunc(b.bucket, 1 - length(trunc(b.bucket)::text))) OVER (ORDER BY b.bucket DESC) AS levels FROM (
              SELECT lb.bucket, lb.players FROM leaderboard_buckets lb WHERE lb.period = p_period
              ORDER BY lb.bucket DESC LIMIT 64) b
          ) f WHERE f.reached >= reach ORDER BY f.bucket DESC LIMIT 1;
        END IF;
        guess := floor_w;
      END IF;
      IF floor_w > 0 THEN
        -- This migration: the matches at or above the floor from the period's name index by
        -- wager level (players_name_<period>_idx), one range of names for each level that the
        -- buckets at or above the floor have; not every match of the name index.
        IF p_period = 'today' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_today + 0 AS w, p.wager_all_time AS a FROM players p
            WHERE trunc(p.wager_today, 1 - length(trunc(p.wager_today)::text)) = ANY (levels)
              AND lower(p.name) COLLATE "C" >= lo AND lower(p.name) COLLATE "C" < hi
              AND p.wager_today > 0 AND p.wager_today + 0 >= floor_w
            ORDER BY p.wager_today + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'week' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_week + 0 AS w, p.wager_all_time AS a FROM players p
            WHERE trunc(p.wager_week, 1 - length(trunc(p.wager_week)::text)) = ANY (levels)
              AND lower(p.name) COLLATE "C" >= lo AND lower(p.name) COLLATE "C" < hi
              AND p.wager_week > 0 AND p.wager_week + 0 >= floor_w
            ORDER BY p.wager_week + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'month' THEN
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_month + 0 AS w, p.wager_all_time AS a FROM players p
            WHERE trunc(p.wager_month, 1 - length(trunc(p.wager_month)::text)) = ANY (levels)
              AND lower(p.name) COLLATE "C" >= lo AND lower(p.name) COLLATE "C" < hi
              AND p.wager_month > 0 AND p.wager_month + 0 >= floor_w
            ORDER BY p.wager_month + 0 DESC, p.uid LIMIT take
          ) t;
        ELSE
          SELECT array_agg((t.uid, t.name, t.w, t.a)::leaderboard_search_row ORDER BY t.w DESC, t.uid) INTO rs FROM (
            SELECT p.uid, p.name, p.wager_all_time + 0 AS w, p.wager_all_time AS a FROM players p
            WHERE trunc(p.wager_all_time, 1 - length(trunc(p.wager_all_time)::text)) = ANY (levels)
              AND lower(p.name) COLLATE "C" >= lo AND lower(p.name) COLLATE "C" < hi
              AND p.wager_all_time > 0 AND p.wager_all_time + 0 >= floor_w
            ORDER BY p.wager_all_time + 0 DESC, p.uid LIMIT take
          ) t;
        END IF;
        IF coalesce(cardinality(rs), 0) >= take THEN
          -- The page: the top of those, in the board's order. Every match below the floor
          -- ranks below all of them, so the count that chooses a way is not needed.
          n := 0;
        ELSIF many THEN
          -- Too few there for a prefix with many matches: the walk.
          rs := NULL;
          floor_w := NULL;
          n := p_few;
        ELSE
          -- Too few at or above the guessed floor: count the matches to choose the way, as
          -- migration 0020 did, and for the few-matches way a floor for the matches counted.
          rs := NULL;
          floor_w := NULL;
          SELECT count(*) INTO n FROM (
            SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
          ) c;
          IF n > 0 AND n < p_few THEN
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
      ELSIF many THEN
        floor_w := NULL;
        n := p_few;
      ELSE
        floor_w := NULL;
        SELECT count(*) INTO n FROM (
          SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
        ) c;
      END IF;
    END IF;
    IF n >= p_few THEN
      floor_w := NULL;
      -- Way 2, index-only: the rank index carries the name (migration 0019); the all-time wager
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
