/**
 * The `sync_runs` table: one row per run (pulled or pushed), written as the run goes, and the
 * read model `sync.status` shows.
 */
import { type Db, schema, type Tx } from '@goated/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';

const { syncRuns } = schema;

export type SyncRun = typeof syncRuns.$inferSelect;

export interface SyncStatus {
  source: string;
  /** Whether this instance runs the sync on a timer. */
  scheduled: boolean;
  intervalMs: number | null;
  /** When this instance's timer fires next (null while a run is in progress or unscheduled). */
  nextRunAt: Date | null;
  /** A pulled run is in progress (on this or another instance). */
  running: boolean;
  lastRuns: SyncRun[];
  lastSuccessAt: Date | null;
  lastError: { runId: number; at: Date; message: string } | null;
}

export const syncStatusInput = z.object({ runs: z.number().int().min(1).max(100).default(10) }).prefault({});

interface RunCounts {
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
}

/** A pulled run starts `running`; its id names its log entries. */
export async function recordRunStart(db: Db, trigger: 'schedule' | 'manual', source: string): Promise<number> {
  const [run] = await db.insert(syncRuns).values({ trigger, source }).returning({ id: syncRuns.id });
  if (!run) throw new Error('the sync run was not recorded');
  return run.id;
}

/** Inside the run's transaction: it commits with what it applied. */
export async function recordRunSucceeded(tx: Tx, runId: number, counts: RunCounts): Promise<void> {
  await tx
    .update(syncRuns)
    .set({ status: 'succeeded', finishedAt: new Date(), ...counts })
    .where(eq(syncRuns.id, runId));
}

export async function recordRunFailed(
  db: Db,
  runId: number,
  failure: { recordsIn: number; recordsSkipped: number; error: string },
): Promise<void> {
  await db
    .update(syncRuns)
    .set({
      status: 'failed',
      finishedAt: new Date(),
      recordsIn: failure.recordsIn,
      recordsOut: 0,
      recordsSkipped: failure.recordsSkipped,
      error: failure.error,
    })
    .where(eq(syncRuns.id, runId));
}

/** A pushed batch is recorded finished, inside its transaction. */
export async function recordIngestRun(
  tx: Tx,
  run: RunCounts & { source: string; status: 'succeeded' | 'failed'; error: string | null },
): Promise<number> {
  const [row] = await tx
    .insert(syncRuns)
    .values({
      trigger: 'ingest',
      source: run.source,
      status: run.status,
      finishedAt: new Date(),
      recordsIn: run.recordsIn,
      recordsOut: run.recordsOut,
      recordsSkipped: run.recordsSkipped,
      error: run.error,
    })
    .returning({ id: syncRuns.id });
  if (!row) throw new Error('the sync run was not recorded');
  return row.id;
}

/**
 * Runs left `running` by a process that died mid-run, now marked failed: their transaction was
 * rolled back by the database, so nothing of them was applied. Only to be called under the run
 * lock, when no other pulled run can be in progress.
 */
export async function failInterruptedRuns(db: Db): Promise<{ id: number; source: string }[]> {
  return db
    .update(syncRuns)
    .set({
      status: 'failed',
      finishedAt: new Date(),
      error: 'interrupted: the process stopped before the run finished',
    })
    .where(and(eq(syncRuns.status, 'running'), sql`${syncRuns.trigger} <> 'ingest'`))
    .returning({ id: syncRuns.id, source: syncRuns.source });
}

export type RunHistory = Pick<SyncStatus, 'lastRuns' | 'lastSuccessAt' | 'lastError'> & {
  /** A row is still `running` (a pulled run on some instance). */
  inProgress: boolean;
};

/** The last `runs` runs, the last success and the last failure. */
export async function readRunHistory(db: Db, runs: number): Promise<RunHistory> {
  const lastRuns = await db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(runs);
  const lastWith = async (status: 'failed' | 'succeeded') =>
    (await db.select().from(syncRuns).where(eq(syncRuns.status, status)).orderBy(desc(syncRuns.id)).limit(1))[0];
  const lastFailed = await lastWith('failed');
  const lastSucceeded = await lastWith('succeeded');
  const [inProgress] = await db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(eq(syncRuns.status, 'running'))
    .limit(1);
  return {
    lastRuns,
    lastSuccessAt: lastSucceeded ? (lastSucceeded.finishedAt ?? lastSucceeded.startedAt) : null,
    lastError: lastFailed
      ? {
          runId: lastFailed.id,
          at: lastFailed.finishedAt ?? lastFailed.startedAt,
          message: lastFailed.error ?? 'unknown error',
        }
      : null,
    inProgress: inProgress !== undefined,
  };
}
