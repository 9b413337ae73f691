import { bigint, date, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { money, tstz } from './columns';

/**
 * Per UTC day: what every player wagered together and how many wagered anything. Kept exact by
 * statement-level triggers on `player_wager_days` (migration 0006), inside the writer's own
 * transaction, so the overview never scans a day's player rows.
 */
export const wagerDayTotals = pgTable('wager_day_totals', {
  day: date('day', { mode: 'string' }).primaryKey(),
  wagered: money('wagered').notNull().default('0'),
  activePlayers: integer('active_players').notNull().default(0),
});

/**
 * Per UTC day of their start: finished sync runs (pulled and pushed), how many failed, their
 * total duration and records. Kept by a trigger on `sync_runs` when a run finishes, so it
 * outlives the pruning of old runs.
 */
export const syncRunDays = pgTable('sync_run_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  runs: integer('runs').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  durationMs: bigint('duration_ms', { mode: 'number' }).notNull().default(0),
  recordsIn: bigint('records_in', { mode: 'number' }).notNull().default(0),
  recordsOut: bigint('records_out', { mode: 'number' }).notNull().default(0),
  recordsSkipped: bigint('records_skipped', { mode: 'number' }).notNull().default(0),
});

/** Live connections as each server instance saw them, sampled every few minutes. */
export const connectionSamples = pgTable(
  'connection_samples',
  {
    at: tstz('at').notNull(),
    instance: text('instance').notNull(),
    connections: integer('connections').notNull(),
    subscriptions: integer('subscriptions').notNull(),
    sseStreams: integer('sse_streams').notNull(),
  },
  (t) => [primaryKey({ columns: [t.at, t.instance] })],
);
