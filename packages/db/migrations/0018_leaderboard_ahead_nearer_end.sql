-- A rank counts inside the player's fine bucket from its nearer end (issue #22). Before, a rank
-- counted every entry of the fine bucket ahead of the key: up to the whole bucket, and a fine
-- bucket of amounts under 10 is one amount, so its entries are ties ordered by uid (7,580
-- players share 2.00 in the 1,000,000-player bench: ~1.4 ms to count in the worst case, the
-- tail of `leaderboard.position`). The bucket row's fine count is the fine bucket's total, so
-- the entries ahead are also that total minus the entries behind the key (and the key itself):
-- whichever side is estimated shorter is counted. The estimate only chooses the side; both sides
-- give the exact rank.

-- Where `u` lies between `lo` and `hi` (lo <= u <= hi in text order), from 0 to 1: their first
-- six characters after the common prefix read as base-256 digits (an estimate: a tie group's uids
-- are spread over the uid space much as all uids are; code points above 255 count as 255).
CREATE FUNCTION text_fraction(lo text, hi text, u text) RETURNS double precision
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
DECLARE
  n integer := 0;
  shortest integer := least(length(lo), length(hi));
  scale double precision := 1;
  a double precision := 0;
  b double precision := 0;
  x double precision := 0;
BEGIN
  WHILE n < shortest AND substr(lo, n + 1, 1) = substr(hi, n + 1, 1) LOOP
    n := n + 1;
  END LOOP;
  FOR i IN 1..6 LOOP
    scale := scale / 256;
    a := a + least(coalesce(ascii(substr(lo, n + i, 1)), 0), 255) * scale;
    b := b + least(coalesce(ascii(substr(hi, n + i, 1)), 0), 255) * scale;
    x := x + least(coalesce(ascii(substr(u, n + i, 1)), 0), 255) * scale;
  END LOOP;
  IF b <= a THEN
    RETURN 0.5;
  END IF;
  RETURN greatest(0, least(1, (x - a) / (b - a)));
END
$$;
--> statement-breakpoint
-- How many ranked players stand ahead of (wager, uid) in a period: rank - 1, for wager > 0.
-- Higher buckets' counts, the own bucket's fine counts above the own digit, then inside the own
-- fine bucket [fine_lower, fine_upper) the entries ahead of the key, counted directly (amounts
-- above, then ties before the uid) or, when the key sits in the bucket's lower half by estimate,
-- as the fine bucket's total minus the entries behind it (amounts below, then ties after the uid)
-- minus the key itself. Small fine buckets are counted directly. Plans kept for the session.
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
  SELECT coalesce(sum(b.players), 0) INTO higher
    FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket > own_bucket;
  SELECT b.fine INTO fine FROM leaderboard_buckets b WHERE b.period = p_period AND b.bucket = own_bucket;
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
