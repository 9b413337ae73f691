import { bigserial, index, integer, jsonb, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { createdAt, tstz } from './columns';
import { logType, syncStatus, syncTrigger } from './enums';

/** One execution of the pipeline (scheduled, manual or a pushed batch). */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: serial('id').primaryKey(),
    trigger: syncTrigger('trigger').notNull(),
    source: text('source').notNull(),
    status: syncStatus('status').notNull().default('running'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
    recordsIn: integer('records_in').notNull().default(0),
    recordsOut: integer('records_out').notNull().default(0),
    recordsSkipped: integer('records_skipped').notNull().default(0),
    error: text('error'),
  },
  (t) => [index('sync_runs_started_at_idx').on(t.startedAt.desc())],
);

export type LogDetails = Record<string, unknown>;

/** The pipeline's transformation log: what each run did, streamed live to admins. */
export const transformationLogs = pgTable(
  'transformation_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: integer('run_id').references(() => syncRuns.id, { onDelete: 'set null' }),
    type: logType('type').notNull(),
    message: text('message').notNull(),
    recordsIn: integer('records_in').notNull().default(0),
    recordsOut: integer('records_out').notNull().default(0),
    recordsSkipped: integer('records_skipped').notNull().default(0),
    durationMs: integer('duration_ms').notNull().default(0),
    details: jsonb('details').$type<LogDetails>(),
    createdAt: createdAt(),
  },
  (t) => [
    index('transformation_logs_created_at_idx').on(t.createdAt.desc(), t.id.desc()),
    index('transformation_logs_type_idx').on(t.type, t.id.desc()),
    index('transformation_logs_run_id_idx').on(t.runId),
  ],
);
