-- The ranks of a name search's page, cheaper (issue #22): leaderboard_ahead_each() reads the
-- bucket counts once for the whole page instead of once per row.
--
-- Migration 0019's function took, for each of the page's (up to 100) keys, the sum of the players
-- in the buckets above the key's (a scan of leaderboard_buckets from the key's bucket up, with a
-- subquery on each bucket row's fine counts) and the key's fine bucket from five SQL functions
-- (wager_fine_bucket_next twice, wager_bucket, wager_fine_digit, power). Now:
-- - one scan of the period's buckets from the lowest key's bucket up, the players above each
--   bucket as a running sum, joined to the keys by bucket;
-- - each key's bucket, fine bucket and third digit from one length(trunc(w)::text): the bucket
--   is trunc(w, 2 - len), the fine bucket's lower end trunc(w, 3 - len), its width
--   10^(len - 3), the third digit (lower - bucket) / width. The same values as wager_bucket(),
--   wager_fine_bucket_next() and wager_fine_digit() (which the bucket trigger keeps using): the
--   same on all 1,725,717 distinct amounts of the bench's 1,000,000 players and every amount from
--   0.01 to 2,000.00.
-- The counting inside the key's fine bucket (from its nearer end, a crowded tie by uid) is
-- unchanged. A key whose bucket has no row (none while the key's player is ranked; kept for
-- safety) sums the buckets above it as before.
-- Checked on the bench's 1,000,000 players against migration 0019's function: 6,000 pages of
-- 10 random ranked players (1,500 per period) and 1,600 of amounts under 1, integers and powers
-- of ten, all the same. Measured in the server, every one- to three-digit prefix of the bench in
-- every period: a search 0.70-0.88 -> 0.58-0.70 ms; the ranking of a page of 10, 0.28-0.35 ->
-- 0.22-0.25 ms.
CREATE OR REPLACE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
BEGIN
  IF p_period = 'today' THEN
    WITH k AS MATERIALIZED (
      SELECT u.w, u.uid, u.i, trunc(u.w, 2 - d.len) AS bucket, trunc(u.w, 3 - d.len) AS lower,
        power(10::numeric, d.len - 3) AS step
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS u(w, uid, i)
      CROSS JOIN LATERAL (SELECT length(trunc(u.w)::text) AS len OFFSET 0) AS d
    ), b AS (
      SELECT lb.bucket, lb.fine, sum(lb.players) OVER (ORDER BY lb.bucket DESC) - lb.players AS above
      FROM leaderboard_buckets lb WHERE lb.period = p_period AND lb.bucket >= (SELECT min(k.bucket) FROM k)
    )
    SELECT array_agg(g.higher + CASE WHEN CASE WHEN g.upper - k.lower = 0.01 AND g.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_today = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_today = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= k.lower + g.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_today > k.w AND p.wager_today < g.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid < k.uid)
          ELSE g.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_today >= k.lower AND p.wager_today < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_today = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
    FROM k LEFT JOIN b ON b.bucket = k.bucket
    CROSS JOIN LATERAL (SELECT k.lower + k.step AS upper,
        coalesce(b.above, (SELECT coalesce(sum(x.players), 0) FROM leaderboard_buckets x
          WHERE x.period = p_period AND x.bucket > k.bucket))
          + coalesce((SELECT sum(f) FROM unnest(b.fine[((k.lower - k.bucket) / k.step)::integer + 2:10]) AS f), 0) AS higher,
        coalesce(b.fine[((k.lower - k.bucket) / k.step)::integer + 1], 0) AS fine_total OFFSET 0) AS g;
  ELSIF p_period = 'week' THEN
    WITH k AS MATERIALIZED (
      SELECT u.w, u.uid, u.i, trunc(u.w, 2 - d.len) AS bucket, trunc(u.w, 3 - d.len) AS lower,
        power(10::numeric, d.len - 3) AS step
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS u(w, uid, i)
      CROSS JOIN LATERAL (SELECT length(trunc(u.w)::text) AS len OFFSET 0) AS d
    ), b AS (
      SELECT lb.bucket, lb.fine, sum(lb.players) OVER (ORDER BY lb.bucket DESC) - lb.players AS above
      FROM leaderboard_buckets lb WHERE lb.period = p_period AND lb.bucket >= (SELECT min(k.bucket) FROM k)
    )
    SELECT array_agg(g.higher + CASE WHEN CASE WHEN g.upper - k.lower = 0.01 AND g.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_week = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_week = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= k.lower + g.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_week > k.w AND p.wager_week < g.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid < k.uid)
          ELSE g.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_week >= k.lower AND p.wager_week < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_week = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
    FROM k LEFT JOIN b ON b.bucket = k.bucket
    CROSS JOIN LATERAL (SELECT k.lower + k.step AS upper,
        coalesce(b.above, (SELECT coalesce(sum(x.players), 0) FROM leaderboard_buckets x
          WHERE x.period = p_period AND x.bucket > k.bucket))
          + coalesce((SELECT sum(f) FROM unnest(b.fine[((k.lower - k.bucket) / k.step)::integer + 2:10]) AS f), 0) AS higher,
        coalesce(b.fine[((k.lower - k.bucket) / k.step)::integer + 1], 0) AS fine_total OFFSET 0) AS g;
  ELSIF p_period = 'month' THEN
    WITH k AS MATERIALIZED (
      SELECT u.w, u.uid, u.i, trunc(u.w, 2 - d.len) AS bucket, trunc(u.w, 3 - d.len) AS lower,
        power(10::numeric, d.len - 3) AS step
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS u(w, uid, i)
      CROSS JOIN LATERAL (SELECT length(trunc(u.w)::text) AS len OFFSET 0) AS d
    ), b AS (
      SELECT lb.bucket, lb.fine, sum(lb.players) OVER (ORDER BY lb.bucket DESC) - lb.players AS above
      FROM leaderboard_buckets lb WHERE lb.period = p_period AND lb.bucket >= (SELECT min(k.bucket) FROM k)
    )
    SELECT array_agg(g.higher + CASE WHEN CASE WHEN g.upper - k.lower = 0.01 AND g.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_month = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_month = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= k.lower + g.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_month > k.w AND p.wager_month < g.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid < k.uid)
          ELSE g.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_month >= k.lower AND p.wager_month < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_month = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
    FROM k LEFT JOIN b ON b.bucket = k.bucket
    CROSS JOIN LATERAL (SELECT k.lower + k.step AS upper,
        coalesce(b.above, (SELECT coalesce(sum(x.players), 0) FROM leaderboard_buckets x
          WHERE x.period = p_period AND x.bucket > k.bucket))
          + coalesce((SELECT sum(f) FROM unnest(b.fine[((k.lower - k.bucket) / k.step)::integer + 2:10]) AS f), 0) AS higher,
        coalesce(b.fine[((k.lower - k.bucket) / k.step)::integer + 1], 0) AS fine_total OFFSET 0) AS g;
  ELSIF p_period = 'all' THEN
    WITH k AS MATERIALIZED (
      SELECT u.w, u.uid, u.i, trunc(u.w, 2 - d.len) AS bucket, trunc(u.w, 3 - d.len) AS lower,
        power(10::numeric, d.len - 3) AS step
      FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS u(w, uid, i)
      CROSS JOIN LATERAL (SELECT length(trunc(u.w)::text) AS len OFFSET 0) AS d
    ), b AS (
      SELECT lb.bucket, lb.fine, sum(lb.players) OVER (ORDER BY lb.bucket DESC) - lb.players AS above
      FROM leaderboard_buckets lb WHERE lb.period = p_period AND lb.bucket >= (SELECT min(k.bucket) FROM k)
    )
    SELECT array_agg(g.higher + CASE WHEN CASE WHEN g.upper - k.lower = 0.01 AND g.fine_total > 64
            THEN coalesce(text_fraction((SELECT min(p.uid) FROM players p WHERE p.wager_all_time = k.w),
              (SELECT max(p.uid) FROM players p WHERE p.wager_all_time = k.w), k.uid), 0) <= 0.5
            ELSE k.w * 2 >= k.lower + g.upper END
          THEN (SELECT count(*) FROM players p WHERE p.wager_all_time > k.w AND p.wager_all_time < g.upper)
            + (SELECT count(*) FROM players p WHERE p.wager_all_time = k.w AND p.uid < k.uid)
          ELSE g.fine_total
            - (SELECT count(*) FROM players p WHERE p.wager_all_time >= k.lower AND p.wager_all_time < k.w)
            - (SELECT count(*) FROM players p WHERE p.wager_all_time = k.w AND p.uid >= k.uid) END
        ORDER BY k.i) INTO result
    FROM k LEFT JOIN b ON b.bucket = k.bucket
    CROSS JOIN LATERAL (SELECT k.lower + k.step AS upper,
        coalesce(b.above, (SELECT coalesce(sum(x.players), 0) FROM leaderboard_buckets x
          WHERE x.period = p_period AND x.bucket > k.bucket))
          + coalesce((SELECT sum(f) FROM unnest(b.fine[((k.lower - k.bucket) / k.step)::integer + 2:10]) AS f), 0) AS higher,
        coalesce(b.fine[((k.lower - k.bucket) / k.step)::integer + 1], 0) AS fine_total OFFSET 0) AS g;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  RETURN result;
END
$$;
