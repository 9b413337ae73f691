-- Daily rollups behind the admin overview (see src/schema/analytics.ts): kept exact by
-- triggers inside the writers' own transactions, so the overview reads ~90 small rows instead
-- of aggregating every player's days or every sync run.

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
