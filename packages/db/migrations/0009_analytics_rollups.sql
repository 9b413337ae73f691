-- Daily rollups behind the admin overview (see src/schema/analytics.ts): kept exact by
-- triggers inside the writers' own transactions, so the overview reads a few small rows per day
-- instead of aggregating every player's days, sync run, sign-up, claim or connection sample.

-- Wager per UTC day. Statement-level with transition tables, like leaderboard_buckets: one
-- aggregated upsert per writing statement, rows upserted in day order so concurrent writers
-- lock them in one order.
CREATE FUNCTION wager_day_totals_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM wager_day_totals;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO wager_day_totals AS t (day, wagered, active_players)
    SELECT r.day, sum(r.wagered), count(*) FILTER (WHERE r.wagered > 0)
    FROM new_rows r GROUP BY r.day ORDER BY r.day
    ON CONFLICT (day) DO UPDATE
      SET wagered = t.wagered + excluded.wagered, active_players = t.active_players + excluded.active_players;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO wager_day_totals AS t (day, wagered, active_players)
    SELECT c.day, sum(c.wagered), sum(c.active)
    FROM (
      SELECT n.day, n.wagered, (n.wagered > 0)::int AS active FROM new_rows n
      UNION ALL
      SELECT o.day, -o.wagered, -((o.wagered > 0)::int) FROM old_rows o
    ) c
    GROUP BY c.day HAVING sum(c.wagered) <> 0 OR sum(c.active) <> 0 ORDER BY c.day
    ON CONFLICT (day) DO UPDATE
      SET wagered = t.wagered + excluded.wagered, active_players = t.active_players + excluded.active_players;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO wager_day_totals AS t (day, wagered, active_players)
    SELECT r.day, -sum(r.wagered), -count(*) FILTER (WHERE r.wagered > 0)
    FROM old_rows r GROUP BY r.day ORDER BY r.day
    ON CONFLICT (day) DO UPDATE
      SET wagered = t.wagered + excluded.wagered, active_players = t.active_players + excluded.active_players;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER player_wager_days_totals_insert AFTER INSERT ON player_wager_days
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wager_day_totals_track();
--> statement-breakpoint
CREATE TRIGGER player_wager_days_totals_update AFTER UPDATE ON player_wager_days
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wager_day_totals_track();
--> statement-breakpoint
CREATE TRIGGER player_wager_days_totals_delete AFTER DELETE ON player_wager_days
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wager_day_totals_track();
--> statement-breakpoint
CREATE TRIGGER player_wager_days_totals_truncate AFTER TRUNCATE ON player_wager_days
  FOR EACH STATEMENT EXECUTE FUNCTION wager_day_totals_track();
--> statement-breakpoint
INSERT INTO wager_day_totals (day, wagered, active_players)
SELECT day, sum(wagered), count(*) FILTER (WHERE wagered > 0) FROM player_wager_days GROUP BY day;
--> statement-breakpoint
-- Sync runs per UTC day of their start, counted once when a run finishes (inserted finished,
-- as pushed batches are, or moved on from 'running'). Pruning old runs leaves the days alone.
CREATE FUNCTION sync_run_days_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.status = 'running' OR (TG_OP = 'UPDATE' AND OLD.status <> 'running') THEN
    RETURN NULL;
  END IF;
  INSERT INTO sync_run_days AS d (day, runs, failed, duration_ms, records_in, records_out, records_skipped)
  VALUES (
    (NEW.started_at AT TIME ZONE 'UTC')::date, 1, (NEW.status = 'failed')::int,
    greatest(0, round(extract(epoch FROM coalesce(NEW.finished_at, NEW.started_at) - NEW.started_at) * 1000))::bigint,
    NEW.records_in, NEW.records_out, NEW.records_skipped)
  ON CONFLICT (day) DO UPDATE SET
    runs = d.runs + 1, failed = d.failed + excluded.failed, duration_ms = d.duration_ms + excluded.duration_ms,
    records_in = d.records_in + excluded.records_in, records_out = d.records_out + excluded.records_out,
    records_skipped = d.records_skipped + excluded.records_skipped;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sync_runs_days AFTER INSERT OR UPDATE OF status ON sync_runs
  FOR EACH ROW EXECUTE FUNCTION sync_run_days_track();
--> statement-breakpoint
INSERT INTO sync_run_days (day, runs, failed, duration_ms, records_in, records_out, records_skipped)
SELECT (started_at AT TIME ZONE 'UTC')::date, count(*), count(*) FILTER (WHERE status = 'failed'),
  coalesce(sum(greatest(0, round(extract(epoch FROM coalesce(finished_at, started_at) - started_at) * 1000))), 0)::bigint,
  sum(records_in), sum(records_out), sum(records_skipped)
FROM sync_runs WHERE status <> 'running' GROUP BY 1;
--> statement-breakpoint
-- Sign-ups, bonus claims and challenge entries per UTC day of a timestamp column, in
-- activity_days under a kind: TG_ARGV[0] is the kind, TG_ARGV[1] the column. Inserts and
-- deletes are counted per statement from their transition tables (one upsert per statement, days
-- in order so concurrent writers lock them in one order); a changed timestamp moves its row
-- from one day to the other (row trigger, fired only when the column changed).
CREATE FUNCTION activity_days_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  old_day date;
  new_day date;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM activity_days WHERE kind = TG_ARGV[0];
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE format(
      'INSERT INTO activity_days AS a (kind, day, count)
       SELECT $1, (r.%I AT TIME ZONE ''UTC'')::date, count(*) FROM new_rows r GROUP BY 2 ORDER BY 2
       ON CONFLICT (kind, day) DO UPDATE SET count = a.count + excluded.count', TG_ARGV[1])
      USING TG_ARGV[0];
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format(
      'INSERT INTO activity_days AS a (kind, day, count)
       SELECT $1, (r.%I AT TIME ZONE ''UTC'')::date, -count(*) FROM old_rows r GROUP BY 2 ORDER BY 2
       ON CONFLICT (kind, day) DO UPDATE SET count = a.count + excluded.count', TG_ARGV[1])
      USING TG_ARGV[0];
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE format('SELECT (($1).%1$I AT TIME ZONE ''UTC'')::date, (($2).%1$I AT TIME ZONE ''UTC'')::date', TG_ARGV[1])
      INTO old_day, new_day USING OLD, NEW;
    IF old_day IS DISTINCT FROM new_day THEN
      INSERT INTO activity_days AS a (kind, day, count)
      VALUES (TG_ARGV[0], least(old_day, new_day), CASE WHEN old_day < new_day THEN -1 ELSE 1 END),
             (TG_ARGV[0], greatest(old_day, new_day), CASE WHEN old_day < new_day THEN 1 ELSE -1 END)
      ON CONFLICT (kind, day) DO UPDATE SET count = a.count + excluded.count;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_sign_up_days_insert AFTER INSERT ON users
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('sign_ups', 'created_at');
--> statement-breakpoint
CREATE TRIGGER users_sign_up_days_delete AFTER DELETE ON users
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('sign_ups', 'created_at');
--> statement-breakpoint
CREATE TRIGGER users_sign_up_days_update AFTER UPDATE OF created_at ON users FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) EXECUTE FUNCTION activity_days_track('sign_ups', 'created_at');
--> statement-breakpoint
CREATE TRIGGER users_sign_up_days_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('sign_ups', 'created_at');
--> statement-breakpoint
CREATE TRIGGER bonus_claims_days_insert AFTER INSERT ON bonus_claims
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('bonus_claims', 'claimed_at');
--> statement-breakpoint
CREATE TRIGGER bonus_claims_days_delete AFTER DELETE ON bonus_claims
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('bonus_claims', 'claimed_at');
--> statement-breakpoint
CREATE TRIGGER bonus_claims_days_update AFTER UPDATE OF claimed_at ON bonus_claims FOR EACH ROW
  WHEN (OLD.claimed_at IS DISTINCT FROM NEW.claimed_at) EXECUTE FUNCTION activity_days_track('bonus_claims', 'claimed_at');
--> statement-breakpoint
CREATE TRIGGER bonus_claims_days_truncate AFTER TRUNCATE ON bonus_claims
  FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('bonus_claims', 'claimed_at');
--> statement-breakpoint
CREATE TRIGGER challenge_entries_days_insert AFTER INSERT ON challenge_entries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('challenge_entries', 'created_at');
--> statement-breakpoint
CREATE TRIGGER challenge_entries_days_delete AFTER DELETE ON challenge_entries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('challenge_entries', 'created_at');
--> statement-breakpoint
CREATE TRIGGER challenge_entries_days_update AFTER UPDATE OF created_at ON challenge_entries FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) EXECUTE FUNCTION activity_days_track('challenge_entries', 'created_at');
--> statement-breakpoint
CREATE TRIGGER challenge_entries_days_truncate AFTER TRUNCATE ON challenge_entries
  FOR EACH STATEMENT EXECUTE FUNCTION activity_days_track('challenge_entries', 'created_at');
--> statement-breakpoint
INSERT INTO activity_days (kind, day, count)
SELECT 'sign_ups', (created_at AT TIME ZONE 'UTC')::date, count(*) FROM users GROUP BY 2
UNION ALL
SELECT 'bonus_claims', (claimed_at AT TIME ZONE 'UTC')::date, count(*) FROM bonus_claims GROUP BY 2
UNION ALL
SELECT 'challenge_entries', (created_at AT TIME ZONE 'UTC')::date, count(*) FROM challenge_entries GROUP BY 2;
--> statement-breakpoint
-- The day's peak of connections, all instances together: the sum of the samples taken at one
-- moment, at most per day. The day rows are locked first: a sample of the same moment that
-- another instance committed while this one waited is then seen by the sum (each statement here
-- reads what was committed before it started), so two instances sampling at once add up.
-- Pruning old samples leaves the days alone.
CREATE FUNCTION connection_days_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO connection_days AS d (day, peak)
  SELECT DISTINCT (r.at AT TIME ZONE 'UTC')::date, 0 FROM new_rows r ORDER BY 1
  ON CONFLICT (day) DO UPDATE SET peak = d.peak;
  UPDATE connection_days AS d SET peak = greatest(d.peak, m.peak)
  FROM (
    SELECT (s.at AT TIME ZONE 'UTC')::date AS day, max(s.total) AS peak
    FROM (
      SELECT c.at, sum(c.connections) AS total FROM connection_samples c
      WHERE c.at IN (SELECT r.at FROM new_rows r) GROUP BY c.at
    ) s
    GROUP BY 1
  ) m
  WHERE d.day = m.day;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER connection_samples_days AFTER INSERT ON connection_samples
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION connection_days_track();
--> statement-breakpoint
INSERT INTO connection_days (day, peak)
SELECT (at AT TIME ZONE 'UTC')::date, max(total)
FROM (SELECT at, sum(connections)::int AS total FROM connection_samples GROUP BY at) s
GROUP BY 1;
