-- The ranks of the top of each board, built after the syncs that change it, so a name search's
-- page takes its ranks from a table instead of counting them (issue #22).
--
-- Ranking a search's page (leaderboard_ahead_each(), migrations 0013-0021) was ~40 % of a
-- search: ~65 us for the bucket sums and ~10 us per row for the counts inside each row's fine
-- bucket, ~170 us of a ~0.45 ms search at 1,000,000 players, measured in the server. A search's
-- first page shows the best matches, and for any prefix with more than a handful of matches they
-- sit near the top of the board: for every prefix "player 1" ... "player 999" of the bench's
-- million players, in every period, 995 of the 999 first pages tested lie wholly within the top
-- 20,000 of their period.
--
-- leaderboard_top_ranks holds, per period, the best p_depth ranked players (wager > 0) with the
-- wager they were ranked at and the number of players ahead of them, as of one state of the
-- board. It holds exactly while nothing has written the players since: every statement that
-- writes a player (insert, update, delete, truncate; the three first only when they changed a
-- row) advances the sequence players_wager_changes, and leaderboard_top_ranks_state keeps the
-- value it had when the table was built. A lookup uses the table only when the two are equal,
-- and a row only when its wager is the one asked about; anything else is counted as before.
--
-- leaderboard_top_ranks_build() takes the players in SHARE mode, which waits for every
-- transaction writing them to end and keeps new writers out until it commits: the ranks and the
-- sequence's value it stores then describe the same committed state. Readers are not held.
-- Two builds queue on the table's own EXCLUSIVE lock. A search that started before a build
-- committed reads the table and its state as they were before the build (one MVCC snapshot),
-- and the sequence as it is now: if anything was written since the older build, they differ
-- and the ranks are counted. Sequences are not rolled back, so a write rolled back still counts
-- as a change (the next build makes the table hold again).
CREATE TABLE "leaderboard_top_ranks" (
	"period" text NOT NULL,
	"uid" text NOT NULL,
	"wager" numeric(20, 2) NOT NULL,
	"ahead" integer NOT NULL,
	CONSTRAINT "leaderboard_top_ranks_period_uid_pk" PRIMARY KEY("period","uid")
);
--> statement-breakpoint
CREATE TABLE "leaderboard_top_ranks_state" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"changes" bigint NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leaderboard_top_ranks_state_one_row" CHECK ("leaderboard_top_ranks_state"."id")
);
--> statement-breakpoint
CREATE SEQUENCE "players_wager_changes";
--> statement-breakpoint
CREATE FUNCTION players_wager_changes_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM nextval('players_wager_changes');
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM old_rows) THEN PERFORM nextval('players_wager_changes'); END IF;
  ELSIF EXISTS (SELECT 1 FROM new_rows) THEN
    PERFORM nextval('players_wager_changes');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER players_wager_changes_insert AFTER INSERT ON players
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION players_wager_changes_track();
--> statement-breakpoint
CREATE TRIGGER players_wager_changes_update AFTER UPDATE ON players
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION players_wager_changes_track();
--> statement-breakpoint
CREATE TRIGGER players_wager_changes_delete AFTER DELETE ON players
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION players_wager_changes_track();
--> statement-breakpoint
CREATE TRIGGER players_wager_changes_truncate AFTER TRUNCATE ON players
  FOR EACH STATEMENT EXECUTE FUNCTION players_wager_changes_track();
--> statement-breakpoint
-- Builds the table from the board as it is; returns the rows written (0 when it already holds).
-- Run in a transaction of its own (its locks last until that commits), with a lock_timeout: it
-- waits for the writers of the players to finish.
CREATE FUNCTION leaderboard_top_ranks_build(p_depth integer) RETURNS bigint
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
  INSERT INTO leaderboard_top_ranks_state (id, changes, built_at) VALUES (true, mark, now())
    ON CONFLICT (id) DO UPDATE SET changes = excluded.changes, built_at = excluded.built_at;
  RETURN built;
END
$$;
--> statement-breakpoint
-- The counting way keeps its body under a new name; leaderboard_ahead_each() (called by
-- leaderboard_search(), migration 0022) now answers from leaderboard_top_ranks what it can and
-- counts the rest: the same numbers.
ALTER FUNCTION leaderboard_ahead_each(text, numeric[], text[]) RENAME TO leaderboard_ahead_counted;
--> statement-breakpoint
CREATE FUNCTION leaderboard_ahead_each(p_period text, p_wagers numeric[], p_uids text[]) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
  AS $$
DECLARE
  result bigint[];
  -- The positions of the keys the table does not answer.
  missing integer[];
  counted bigint[];
BEGIN
  SELECT array_agg(t.ahead::bigint ORDER BY u.i), array_agg(u.i::integer ORDER BY u.i) FILTER (WHERE t.ahead IS NULL)
    INTO result, missing
  FROM unnest(p_wagers, p_uids) WITH ORDINALITY AS u(w, uid, i)
  LEFT JOIN leaderboard_top_ranks t ON t.period = p_period AND t.uid = u.uid AND t.wager = u.w
    AND (SELECT s.changes FROM leaderboard_top_ranks_state s) = (SELECT c.last_value FROM players_wager_changes c);
  IF missing IS NULL THEN
    RETURN result;
  END IF;
  counted := leaderboard_ahead_counted(p_period,
    ARRAY(SELECT p_wagers[x.m] FROM unnest(missing) WITH ORDINALITY AS x(m, o) ORDER BY x.o),
    ARRAY(SELECT p_uids[x.m] FROM unnest(missing) WITH ORDINALITY AS x(m, o) ORDER BY x.o));
  FOR j IN 1 .. cardinality(missing) LOOP
    result[missing[j]] := counted[j];
  END LOOP;
  RETURN result;
END
$$;
