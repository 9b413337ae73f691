-- One player's place in a period's leaderboard with up to p_k neighbours on each side, for
-- leaderboard.position: the same answer as the single statement it replaces, as a PL/pgSQL
-- function so that its statements' plans are kept for the session (forced generic, like
-- leaderboard_ahead). Planning that statement anew on every call cost about as much as running
-- it (issue #22: ~0.4 ms of ~1 ms at 1,000,000 players). No row when the player is unknown;
-- ahead, above and below are null when the player wagered nothing in the period. Every row
-- carries the player's all-time wager too (`all_time`, and `a` in each neighbour), for the VIP tier.
-- `above` comes nearest-first; `below` nearest-first too (best to worst).
CREATE FUNCTION leaderboard_position(p_period text, p_uid text, p_k integer)
  RETURNS TABLE (uid text, name text, wagered text, all_time text, ahead bigint, above json, below json)
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
#variable_conflict use_variable
DECLARE
  w numeric;
  wa numeric;
BEGIN
  IF p_period = 'today' THEN
    SELECT p.uid, p.name, p.wager_today, p.wager_all_time INTO uid, name, w, wa FROM players p WHERE p.uid = p_uid;
    IF NOT FOUND THEN RETURN; END IF;
    IF w > 0 THEN
      SELECT json_agg(json_build_object('uid', a.uid, 'name', a.name, 'wagered', a.w::text, 'a', a.a::text) ORDER BY a.w, a.uid DESC)
        INTO above FROM (
          (SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_today = w AND p.uid < p_uid ORDER BY p.uid DESC LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_today, p.wager_all_time FROM players p
            WHERE p.wager_today > w ORDER BY p.wager_today, p.uid DESC LIMIT p_k)
          ORDER BY 3, 1 DESC LIMIT p_k) a;
      SELECT json_agg(json_build_object('uid', b.uid, 'name', b.name, 'wagered', b.w::text, 'a', b.a::text) ORDER BY b.w DESC, b.uid)
        INTO below FROM (
          (SELECT p.uid, p.name, p.wager_today AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_today = w AND p.uid > p_uid ORDER BY p.uid LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_today, p.wager_all_time FROM players p
            WHERE p.wager_today > 0 AND p.wager_today < w ORDER BY p.wager_today DESC, p.uid LIMIT p_k)
          ORDER BY 3 DESC, 1 LIMIT p_k) b;
    END IF;
  ELSIF p_period = 'week' THEN
    SELECT p.uid, p.name, p.wager_week, p.wager_all_time INTO uid, name, w, wa FROM players p WHERE p.uid = p_uid;
    IF NOT FOUND THEN RETURN; END IF;
    IF w > 0 THEN
      SELECT json_agg(json_build_object('uid', a.uid, 'name', a.name, 'wagered', a.w::text, 'a', a.a::text) ORDER BY a.w, a.uid DESC)
        INTO above FROM (
          (SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_week = w AND p.uid < p_uid ORDER BY p.uid DESC LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_week, p.wager_all_time FROM players p
            WHERE p.wager_week > w ORDER BY p.wager_week, p.uid DESC LIMIT p_k)
          ORDER BY 3, 1 DESC LIMIT p_k) a;
      SELECT json_agg(json_build_object('uid', b.uid, 'name', b.name, 'wagered', b.w::text, 'a', b.a::text) ORDER BY b.w DESC, b.uid)
        INTO below FROM (
          (SELECT p.uid, p.name, p.wager_week AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_week = w AND p.uid > p_uid ORDER BY p.uid LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_week, p.wager_all_time FROM players p
            WHERE p.wager_week > 0 AND p.wager_week < w ORDER BY p.wager_week DESC, p.uid LIMIT p_k)
          ORDER BY 3 DESC, 1 LIMIT p_k) b;
    END IF;
  ELSIF p_period = 'month' THEN
    SELECT p.uid, p.name, p.wager_month, p.wager_all_time INTO uid, name, w, wa FROM players p WHERE p.uid = p_uid;
    IF NOT FOUND THEN RETURN; END IF;
    IF w > 0 THEN
      SELECT json_agg(json_build_object('uid', a.uid, 'name', a.name, 'wagered', a.w::text, 'a', a.a::text) ORDER BY a.w, a.uid DESC)
        INTO above FROM (
          (SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_month = w AND p.uid < p_uid ORDER BY p.uid DESC LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_month, p.wager_all_time FROM players p
            WHERE p.wager_month > w ORDER BY p.wager_month, p.uid DESC LIMIT p_k)
          ORDER BY 3, 1 DESC LIMIT p_k) a;
      SELECT json_agg(json_build_object('uid', b.uid, 'name', b.name, 'wagered', b.w::text, 'a', b.a::text) ORDER BY b.w DESC, b.uid)
        INTO below FROM (
          (SELECT p.uid, p.name, p.wager_month AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_month = w AND p.uid > p_uid ORDER BY p.uid LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_month, p.wager_all_time FROM players p
            WHERE p.wager_month > 0 AND p.wager_month < w ORDER BY p.wager_month DESC, p.uid LIMIT p_k)
          ORDER BY 3 DESC, 1 LIMIT p_k) b;
    END IF;
  ELSIF p_period = 'all' THEN
    SELECT p.uid, p.name, p.wager_all_time, p.wager_all_time INTO uid, name, w, wa FROM players p WHERE p.uid = p_uid;
    IF NOT FOUND THEN RETURN; END IF;
    IF w > 0 THEN
      SELECT json_agg(json_build_object('uid', a.uid, 'name', a.name, 'wagered', a.w::text, 'a', a.a::text) ORDER BY a.w, a.uid DESC)
        INTO above FROM (
          (SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_all_time = w AND p.uid < p_uid ORDER BY p.uid DESC LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_all_time, p.wager_all_time FROM players p
            WHERE p.wager_all_time > w ORDER BY p.wager_all_time, p.uid DESC LIMIT p_k)
          ORDER BY 3, 1 DESC LIMIT p_k) a;
      SELECT json_agg(json_build_object('uid', b.uid, 'name', b.name, 'wagered', b.w::text, 'a', b.a::text) ORDER BY b.w DESC, b.uid)
        INTO below FROM (
          (SELECT p.uid, p.name, p.wager_all_time AS w, p.wager_all_time AS a FROM players p
            WHERE p.wager_all_time = w AND p.uid > p_uid ORDER BY p.uid LIMIT p_k)
          UNION ALL
          (SELECT p.uid, p.name, p.wager_all_time, p.wager_all_time FROM players p
            WHERE p.wager_all_time > 0 AND p.wager_all_time < w ORDER BY p.wager_all_time DESC, p.uid LIMIT p_k)
          ORDER BY 3 DESC, 1 LIMIT p_k) b;
    END IF;
  ELSE
    RAISE EXCEPTION 'unknown leaderboard period %', p_period;
  END IF;
  wagered := w::text;
  all_time := wa::text;
  IF w > 0 THEN
    ahead := leaderboard_ahead(p_period, w, p_uid);
  END IF;
  RETURN NEXT;
END
$$;
