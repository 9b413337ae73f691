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

export const activityKinds = ['sign_ups', 'bonus_claims', 'challenge_entries'] as const;
export type ActivityKind = (typeof activityKinds)[number];

/**
 * Per kind and UTC day: how many users signed up (`users.created_at`), bonus codes were claimed
 * (`bonus_claims.claimed_at`) and challenge entries were sent (`challenge_entries.created_at`).
 * Kept exact by triggers on those tables (migration 0006), inside the writer's own transaction,
 * so the overview reads a row per day instead of counting every row of the period.
 */
export const activityDays = pgTable(
  'activity_days',
  {
    kind: text('kind', { enum: activityKinds }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.kind, t.day] })],
);

/**
 * Per UTC day: the most WebSocket connections open at one sampling moment, all instances
 * together. Kept by a trigger on `connection_samples` (migration 0006); it outlives the pruning
 * of old samples.
 */
export const connectionDays = pgTable('connection_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  peak: integer('peak').notNull(),
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
