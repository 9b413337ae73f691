-- Name search in one function call (issue #22). The search was one statement planned per call
-- (~0.5 ms each time, a fifth of a three-digit search at 1,000,000 players); here the plans are
-- kept for the session (generic, as in leaderboard_ahead()). A first page sorts only the matches
-- that can be on it, and the ranks of the ten shown count from the nearer end of their fine
-- buckets. Measured per three-digit search at 1,000,000 players (backend CPU): ~2.6 -> ~1.6 ms.

-- The least string above every string that starts with `prefix`, in the byte order of
-- text_pattern_ops (UTF-8 bytes compare in code point order): the prefix with its last character
-- one code point higher. A last character that is already the highest code point is dropped and
-- the one before it raised instead; null when every character is the highest (no string is
-- above them all). The surrogates, which no text holds, are skipped.
CREATE FUNCTION text_prefix_next(prefix text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
DECLARE
  i integer := length(prefix);
  c integer;
BEGIN
  WHILE i > 0 LOOP
    c := ascii(substr(prefix, i, 1));
    IF c < 1114111 THEN
      c := CASE WHEN c + 1 = 55296 THEN 57344 ELSE c + 1 END;
      RETURN substr(prefix, 1, i - 1) || chr(c);
    END IF;
    i := i - 1;
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- leaderboard_ahead_each() of migration 0013, counting inside each key's fine bucket from its
-- nearer end: the players above the key there, as before, when the key sits in the bucket's
-- upper half; else the bucket's total (its `fine` count) less the players below the key. The
-- middle of the bucket's range stands in for the middle of its players (they are denser at its
-- lower end, amounts being heavy-tailed, so this errs toward the top). Either way the ties
-- before the key's uid count as ahead: from above, those with a lower uid; from below, the total
-- less those with a higher or the same uid (the key itself). Each key's bucket, digit and fine
-- bucket bounds are computed once (`f`, kept whole by OFFSET 0), not again for each bucket row.
CREATE OR REPLACE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
BEGIN
  IF p_period = 'today' THEN
    SELECT array_agg(h.higher + CASE WHEN k.w * 2 >= f.lower + f.upper
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
    SELECT array_agg(h.higher + CASE WHEN k.w * 2 >= f.lower + f.upper
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
    SELECT array_agg(h.higher + CASE WHEN k.w * 2 >= f.lower + f.upper
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
    SELECT array_agg(h.higher + CASE WHEN k.w * 2 >= f.lower + f.upper
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
-- players ahead of it. The ways of leaderboard.ts (`searchPageSql` before this function), chosen
-- by a count of the matches that stops at p_few, not by the planner's estimate:
-- 1. fewer than p_few matches: read them all from the name index (index-only, migration 0014)
--    and keep the best after the cursor;
-- 2. otherwise walk the period's rank index from the cursor, at most p_walk rows, keeping the
--    matches; a full page there is the answer, else the first way (always right) after all.
-- The name index is searched by explicit bounds (a generic plan cannot derive them from a LIKE
-- pattern). They select exactly the names with the prefix, whatever its characters: `%`, `_`
-- and `\` are compared as themselves, so no LIKE and no escaping (a LIKE recheck cost ~10 % of
-- a three-digit search, on every one of its 1,111 index entries, and could change nothing).
-- The page's arrays are each aggregated in the page's order (ORDER BY in the aggregate): the
-- order of a sorted subquery is what PostgreSQL does, not what it promises.
CREATE FUNCTION leaderboard_search(p_period text, p_search text, p_after_w numeric, p_after_u text,
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
  floor_w numeric;
  reach numeric;
  r record;
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
    SELECT count(*) INTO n FROM (
      SELECT FROM players p WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi LIMIT p_few
    ) c;
    IF n >= p_few THEN
      -- Way 2. `w <= aw` as well: a bound the rank index can seek to (the `or` alone it cannot).
      IF p_period = 'today' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, q.a FROM (
            SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_today > 0 AND p.wager_today <= aw AND (p.wager_today < aw OR p.uid > au)
            ORDER BY p.wager_today DESC, p.uid LIMIT p_walk
          ) q WHERE lower(q.name) ~>=~ lo AND lower(q.name) ~<~ hi
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'week' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, q.a FROM (
            SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_week > 0 AND p.wager_week <= aw AND (p.wager_week < aw OR p.uid > au)
            ORDER BY p.wager_week DESC, p.uid LIMIT p_walk
          ) q WHERE lower(q.name) ~>=~ lo AND lower(q.name) ~<~ hi
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSIF p_period = 'month' THEN
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, q.a FROM (
            SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_month > 0 AND p.wager_month <= aw AND (p.wager_month < aw OR p.uid > au)
            ORDER BY p.wager_month DESC, p.uid LIMIT p_walk
          ) q WHERE lower(q.name) ~>=~ lo AND lower(q.name) ~<~ hi
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      ELSE
        SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
          SELECT q.uid, q.name, q.w, q.a FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_all_time > 0 AND p.wager_all_time <= aw AND (p.wager_all_time < aw OR p.uid > au)
            ORDER BY p.wager_all_time DESC, p.uid LIMIT p_walk
          ) q WHERE lower(q.name) ~>=~ lo AND lower(q.name) ~<~ hi
          ORDER BY q.w DESC, q.uid LIMIT take
        ) t;
      END IF;
    END IF;
    IF n < p_few OR coalesce(cardinality(ks), 0) < take THEN
      -- Way 1: every match, sorted by the period's wager (`+ 0`: so that the plan cannot become
      -- a walk of the rank index). One statement per period, as in the walk: a CASE choosing the
      -- column cost ~25 % more, evaluated for each of the matches. Sorting is most of the cost
      -- (each match is copied into the sort), so on a first page only the matches that can be on
      -- it are sorted: those at or above `floor_w`, the lowest bucket that holds, with the buckets
      -- above it, 4 x (p_limit + 1) x players / n players — where n matches spread like the board
      -- would put ~4 pages' worth. Too few there (matches crowded at the bottom of the board),
      -- and the search is run again with no floor.
      IF p_after_w IS NULL AND n < p_few AND n > 0 THEN
        -- The buckets from the top, a few at most (read backwards from their index, not all
        -- sorted: no floor if these are not enough), and the table's size from its statistics
        -- (an overestimate only lowers the floor; none before the table's first analyze, at -1).
        reach := 4 * take * (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'players'::regclass) / n;
        FOR r IN SELECT lb.bucket, lb.players FROM leaderboard_buckets lb WHERE lb.period = p_period
            ORDER BY lb.bucket DESC LIMIT 64 LOOP
          EXIT WHEN reach <= 0;
          reach := reach - r.players;
          IF reach <= 0 THEN
            floor_w := r.bucket;
            EXIT;
          END IF;
        END LOOP;
      END IF;
      floor_w := coalesce(floor_w, 0);
      LOOP
        IF p_period = 'today' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_today >= floor_w AND p.wager_today > 0 AND p.wager_today <= aw AND (p.wager_today < aw OR p.uid > au)
            ORDER BY p.wager_today + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'week' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_week >= floor_w AND p.wager_week > 0 AND p.wager_week <= aw AND (p.wager_week < aw OR p.uid > au)
            ORDER BY p.wager_week + 0 DESC, p.uid LIMIT take
          ) t;
        ELSIF p_period = 'month' THEN
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_month >= floor_w AND p.wager_month > 0 AND p.wager_month <= aw AND (p.wager_month < aw OR p.uid > au)
            ORDER BY p.wager_month + 0 DESC, p.uid LIMIT take
          ) t;
        ELSE
          SELECT array_agg(t.uid ORDER BY t.w DESC, t.uid), array_agg(t.name ORDER BY t.w DESC, t.uid),
        array_agg(t.w ORDER BY t.w DESC, t.uid), array_agg(t.a ORDER BY t.w DESC, t.uid) INTO ks, ns, ws, als FROM (
            SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE lower(p.name) ~>=~ lo AND lower(p.name) ~<~ hi
              AND p.wager_all_time >= floor_w AND p.wager_all_time > 0 AND p.wager_all_time <= aw AND (p.wager_all_time < aw OR p.uid > au)
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
