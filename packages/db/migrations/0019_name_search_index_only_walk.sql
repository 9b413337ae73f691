-- Name search at 1,000,000 players, the tail (issue #22).
--
-- 1. The rank indexes carry the name (INCLUDE), so a walk down the board for a prefix with many
--    matches (a two-digit "player 12": 11,111 of a million) is an index-only scan: ~1,000 index
--    entries on ~10 pages instead of ~1,000 visits to the table, each on a page of its own and
--    often not in shared buffers (a fresh or busy database).
--    The walk reads uid, name and the period's wager from the index and the all-time wager (for
--    the tier) for the rows it keeps only. Same names and keys as the indexes they replace
--    (migration 0000; drizzle's index builder has no INCLUDE), so the schema still names them.
--    Each is ~14 MB larger at 1,000,000 players (33 -> 47 MB).
-- 2. leaderboard_search(): a first page reads the name index once for both the way-choosing
--    count and the few-matches page (see the function's comment), the walk checks a name with
--    one lower() (starts_with) and takes the all-time wager for its page only, and the
--    few-matches way keeps to the name index (`+ 0` on its wager conditions: with the name in
--    the rank indexes, a generic plan for `all` scanned the rank index instead, ~30 ms).
-- 3. leaderboard_ahead_each() (the ranks of the page shown) chooses its counting end inside a
--    crowded tie as leaderboard_ahead() does (migration 0018).
DROP INDEX "players_rank_today_idx";
--> statement-breakpoint
CREATE INDEX "players_rank_today_idx" ON "players" USING btree ("wager_today" DESC NULLS FIRST, "uid") INCLUDE ("name");
--> statement-breakpoint
DROP INDEX "players_rank_week_idx";
--> statement-breakpoint
CREATE INDEX "players_rank_week_idx" ON "players" USING btree ("wager_week" DESC NULLS FIRST, "uid") INCLUDE ("name");
--> statement-breakpoint
DROP INDEX "players_rank_month_idx";
--> statement-breakpoint
CREATE INDEX "players_rank_month_idx" ON "players" USING btree ("wager_month" DESC NULLS FIRST, "uid") INCLUDE ("name");
--> statement-breakpoint
DROP INDEX "players_rank_all_time_idx";
--> statement-breakpoint
CREATE INDEX "players_rank_all_time_idx" ON "players" USING btree ("wager_all_time" DESC NULLS FIRST, "uid") INCLUDE ("name");
--> statement-breakpoint
-- leaderboard_ahead_each() of migration 0017, choosing its counting end as leaderboard_ahead()
-- (migration 0018) does inside a crowded one-amount fine bucket (amounts under 10, more than 64
-- entries): by where the key's uid lies between the tie's first and last uid (text_fraction),
-- not by the amount's place in the bucket's range, which there always sent the count to the
-- lower end (all the ties with a uid at or after the key's). Elsewhere, as before: the middle of
-- the range (cheaper than leaderboard_ahead's estimate, and the same choice up to a cent).
-- The estimate only chooses the side; both sides give the exact count. Measured on 10 random
-- keys tied at 2.00 a month (7,580 ties, 1,000,000 players): 45,753 index entries counted
-- before, 18,539 now.
CREATE OR REPLACE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
BEGIN
  IF p_period = 'today' THEN
    SELECT array_agg(h.higher + CASE WHEN CASE WHEN f.upper - f.lower = 0.01 AND h.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_today = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_today = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= f.lower + f.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_today > k.w AND p.wager_today < f.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid < k.uid)
          ELSE h.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_today >= f.lower AND p.wager_today < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i)
      CROSS JOIN LATERAL (SELECT wager_fine_bucket_next(k.w) AS upper,
        wager_fine_bucket_next(k.w) - power(10::numeric, length(trunc(k.w)::text) - 3) AS lower,
        wager_bucket(k.w) AS bucket, wager_fine_digit(k.w) AS digit OFFSET 0) AS f
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE WHEN b.bucket > f.bucket THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[f.digit + 2:10]) AS x) END), 0) AS higher,
          coalesce(max(b.fine[f.digit + 1]) FILTER (WHERE b.bucket = f.bucket), 0) AS fine_total
        FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= f.bucket) AS h;
  ELSIF p_period = 'week' THEN
    SELECT array_agg(h.higher + CASE WHEN CASE WHEN f.upper - f.lower = 0.01 AND h.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_week = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_week = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= f.lower + f.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_week > k.w AND p.wager_week < f.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid < k.uid)
          ELSE h.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_week >= f.lower AND p.wager_week < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i)
      CROSS JOIN LATERAL (SELECT wager_fine_bucket_next(k.w) AS upper,
        wager_fine_bucket_next(k.w) - power(10::numeric, length(trunc(k.w)::text) - 3) AS lower,
        wager_bucket(k.w) AS bucket, wager_fine_digit(k.w) AS digit OFFSET 0) AS f
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE WHEN b.bucket > f.bucket THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[f.digit + 2:10]) AS x) END), 0) AS higher,
          coalesce(max(b.fine[f.digit + 1]) FILTER (WHERE b.bucket = f.bucket), 0) AS fine_total
        FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= f.bucket) AS h;
  ELSIF p_period = 'month' THEN
    SELECT array_agg(h.higher + CASE WHEN CASE WHEN f.upper - f.lower = 0.01 AND h.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_month = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_month = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= f.lower + f.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_month > k.w AND p.wager_month < f.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid < k.uid)
          ELSE h.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_month >= f.lower AND p.wager_month < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i)
      CROSS JOIN LATERAL (SELECT wager_fine_bucket_next(k.w) AS upper,
        wager_fine_bucket_next(k.w) - power(10::numeric, length(trunc(k.w)::text) - 3) AS lower,
        wager_bucket(k.w) AS bucket, wager_fine_digit(k.w) AS digit OFFSET 0) AS f
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE WHEN b.bucket > f.bucket THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[f.digit + 2:10]) AS x) END), 0) AS higher,
          coalesce(max(b.fine[f.digit + 1]) FILTER (WHERE b.bucket = f.bucket), 0) AS fine_total
        FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= f.bucket) AS h;
  ELSIF p_period = 'all' THEN
    SELECT array_agg(h.higher + CASE WHEN CASE WHEN f.upper - f.lower = 0.01 AND h.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_all_time = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_all_time = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= f.lower + f.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_all_time > k.w AND p.wager_all_time < f.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_all_time = k.w AND p.uid < k.uid)
          ELSE h.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_all_time >= f.lower AND p.wager_all_time < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_all_time = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS k(w, uid, i)
      CROSS JOIN LATERAL (SELECT wager_fine_bucket_next(k.w) AS upper,
        wager_fine_bucket_next(k.w) - power(10::numeric, length(trunc(k.w)::text) - 3) AS lower,
        wager_bucket(k.w) AS bucket, wager_fine_digit(k.w) AS digit OFFSET 0) AS f
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE WHEN b.bucket > f.bucket THEN b.players
            ELSE (SELECT coalesce(sum(x), 0) FROM unnest(b.fine[f.digit + 2:10]) AS x) END), 0) AS higher,
          coalesce(max(b.fine[f.digit + 1]) FILTER (WHERE b.bucket = f.bucket), 0) AS fine_total
        FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket >= f.bucket) AS h;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN result;
END
$$;
--> statement-breakpoint
-- One page of the players whose lower(name) starts with lower(p_search), ranked in p_period,
-- after the cursor key (p_after_w, p_after_u; nulls for the first page): up to p_limit + 1 rows
-- (the last only says there is a next page; its `ahead` is null), each with the number of
-- players ahead of it. Migration 0017's function; what changed:
-- - A first page reads the name index once: up to p_few matches (the count that chooses the
--   way, as before) and, in the same statement, those of them at or above a wager floor (not
--   sorted there: four ordered aggregates cost more than sorting the few kept afterwards, and a
--   prefix with p_few matches or more keeps none of them). The floor is the one the bucket
--   counts give for p_few matches: were they spread like
--   the board, ~8 pages' worth would be above it (~4 for half as many). Fewer than p_few
--   matches: all were read, so if a page of them is at or above the floor, the page is the top
--   of those, with no second read of the name index (a three-digit prefix, 1,111 matches, has
--   ~49 there on average). Else as before: the walk (p_few or more), or the few-matches way with
--   the floor for the matches counted, then none. A later page (a cursor) counts first, as before.
-- - The walk is index-only (the rank index carries the name): uid, name and wager from the
--   index, the all-time wager for the page's rows only; its name test is
--   starts_with(lower(name), lo), the same test as the bounds (text_prefix_next(lo) bounds exactly
--   the strings that start with lo, in the byte order both compare in) with one lower().
-- Exactness: the floor only narrows what is sorted; a page is taken from above it only when a
-- whole page (p_limit + 1) of matches is there, and then no match below it can be on the page.
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
  ks text[];
  ns text[];
  ws numeric[];
  als numeric[];
  shown integer;
  aheads bigint[];
BEGIN
  IF p_period NOT IN ('today', 'week', 'month', 'all') THEN
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  IF hi IS NULL THEN
    -- A prefix of only the highest code point: the names from `lo` on are exactly those with
    -- the prefix (nothing sorts above it), and too rare to need more than this one way.
    SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
      SELECT s.uid, s.name, s.w, s.a FROM (
        SELECT p.uid, p.name, p.wager_all_time AS a, CASE p_period WHEN 'today' THEN p.wager_today
              WHEN 'week' THEN p.wager_week WHEN 'month' THEN p.wager_month ELSE p.wager_all_time END AS w
        FROM players p WHERE lower(p.name) ~>=~ lo
      ) s WHERE s.w > 0 AND (s.w < aw OR (s.w = aw AND s.uid > au))
      ORDER BY s.w DESC, s.uid LIMIT take
    ) t;
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
        SELECT count(*), array_agg(t.uid) FILTER (WHERE t.keep), array_agg(t.name) FILTER (WHERE t.keep),
            array_agg(t.w) FILTER (WHERE t.keep), array_agg(t.a) FILTER (WHERE t.keep)
          INTO n, ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a, p.wager_today >= floor_w AS keep
            FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
          ) t;
      ELSIF p_period = 'week' THEN
        SELECT count(*), array_agg(t.uid) FILTER (WHERE t.keep), array_agg(t.name) FILTER (WHERE t.keep),
            array_agg(t.w) FILTER (WHERE t.keep), array_agg(t.a) FILTER (WHERE t.keep)
          INTO n, ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a, p.wager_week >= floor_w AS keep
            FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
          ) t;
      ELSIF p_period = 'month' THEN
        SELECT count(*), array_agg(t.uid) FILTER (WHERE t.keep), array_agg(t.name) FILTER (WHERE t.keep),
            array_agg(t.w) FILTER (WHERE t.keep), array_agg(t.a) FILTER (WHERE t.keep)
          INTO n, ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a, p.wager_month >= floor_w AS keep
            FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
          ) t;
      ELSE
        SELECT count(*), array_agg(t.uid) FILTER (WHERE t.keep), array_agg(t.name) FILTER (WHERE t.keep),
            array_agg(t.w) FILTER (WHERE t.keep), array_agg(t.a) FILTER (WHERE t.keep)
          INTO n, ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a, p.wager_all_time >= floor_w AS keep
            FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
          ) t;
      END IF;
      IF n < p_few AND coalesce(cardinality(ks), 0) >= take THEN
        -- The page: the top of those, in the board's order.
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
            array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT k.uid, k.name, k.w, k.a FROM unnest(ks, ns, ws, als) AS k(uid, name, w, a)
          ORDER BY k.w DESC, k.uid LIMIT take
        ) t;
      ELSIF n < p_few THEN
        -- Too few at or above the guessed floor: the few-matches way below, with the floor
        -- for the matches counted.
        ks := NULL;
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
    IF n >= p_few THEN
      floor_w := NULL;
      -- Way 2, index-only: the rank index carries the name (this migration); the all-time wager
      -- (for the tier) is read for the rows kept only. `w <= aw` as well: a bound the rank index
      -- can seek to (the `or` alone it cannot).
      IF p_period = 'today' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
            array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_today AS w FROM players p
            WHERE p.wager_today > 0 AND p.wager_today <= aw AND (p.wager_today < aw OR p.uid > au)
            ORDER BY p.wager_today DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'week' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
            array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_week AS w FROM players p
            WHERE p.wager_week > 0 AND p.wager_week <= aw AND (p.wager_week < aw OR p.uid > au)
            ORDER BY p.wager_week DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'month' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
            array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, (SELECT r.wager_all_time FROM players r WHERE r.uid = q.uid) AS a FROM (
            SELECT p.uid, p.name, p.wager_month AS w FROM players p
            WHERE p.wager_month > 0 AND p.wager_month <= aw AND (p.wager_month < aw OR p.uid > au)
            ORDER BY p.wager_month DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSE
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
            array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, q.w AS a FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w FROM players p
            WHERE p.wager_all_time > 0 AND p.wager_all_time <= aw AND (p.wager_all_time < aw OR p.uid > au)
            ORDER BY p.wager_all_time DESC, p.uid LIMIT p_walk
          ) q WHERE starts_with(lower(q.name), lo)
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      END IF;
    END IF;
    IF ks IS NULL OR (n >= p_few AND cardinality(ks) < take) THEN
      -- Way 1: every match, sorted by the period's wager, on a first page only those at or above
      -- the floor, then (too few there) all of them. `+ 0` on the wager: so that the plan cannot
      -- become a scan of the rank index (which now carries the name: for `all` it holds every
      -- column here, and a generic plan took it, reading every entry above the floor).
      floor_w := coalesce(floor_w, 0);
      LOOP
        IF p_period = 'today' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
              array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_today + 0 >= floor_w AND p.wager_today + 0 > 0 AND p.wager_today + 0 <= aw AND (p.wager_today + 0 < aw OR p.uid > au)
            ORDER BY p.wager_today + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'week' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
              array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_week + 0 >= floor_w AND p.wager_week + 0 > 0 AND p.wager_week + 0 <= aw AND (p.wager_week + 0 < aw OR p.uid > au)
            ORDER BY p.wager_week + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'month' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
              array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_month + 0 >= floor_w AND p.wager_month + 0 > 0 AND p.wager_month + 0 <= aw AND (p.wager_month + 0 < aw OR p.uid > au)
            ORDER BY p.wager_month + 0 DESC, p.uid LIMIT take
          ) t;
        ELSE
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
              array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_all_time + 0 >= floor_w AND p.wager_all_time + 0 > 0 AND p.wager_all_time + 0 <= aw AND (p.wager_all_time + 0 < aw OR p.uid > au)
            ORDER BY p.wager_all_time + 0 DESC, p.uid LIMIT take
          ) t;
        END IF;
        EXIT WHEN floor_w = 0 OR coalesce(cardinality(ks), 0) >= take;
        floor_w := 0;
      END LOOP;
    END IF;
  END IF;
  shown := least(coalesce(cardinality(ks), 0), p_limit);
  IF shown = 0 THEN
    RETURN;
  END IF;
  aheads := leaderboard_ahead_each(p_period, ws[1:shown], ks[1:shown]);
  RETURN QUERY SELECT k.uid, k.name, k.w::text, k.a::text, aheads[k.i::integer]
    FROM unnest(ks, ns, ws, als) WITH ORDINALITY AS k(uid, name, w, a, i) ORDER BY k.i;
END
$$;
