import { type Db, schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import type { EventBus } from '../../events/bus';
import { applySnapshots } from './apply';
import { parseRecords } from './records';
import type { UpstreamSource } from './source';

const { syncRuns, transformationLogs } = schema;

export interface SyncRunResult {
  runId: number;
  status: 'succeeded' | 'failed';
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
  changedPlayers: number;
  durationMs: number;
  error?: string;
}

export interface SyncDeps {
  db: Db;
  bus: EventBus;
}

/**
 * One pipeline run: fetch → validate each record → transform → upsert in one transaction →
 * transformation log → events. A failure becomes an `error` log entry, never a crash.
 */
export async function runSync(
  deps: SyncDeps,
  source: UpstreamSource,
  trigger: 'schedule' | 'manual' | 'ingest' = 'schedule',
): Promise<SyncRunResult> {
  const { db, bus } = deps;
  const started = performance.now();
  const [run] = await db.insert(syncRuns).values({ trigger, source: source.name }).returning({ id: syncRuns.id });
  if (!run) throw new Error('could not record the sync run');

  let recordsIn = 0;
  let recordsOut = 0;
  let recordsSkipped = 0;
  let changed: string[] = [];
  try {
    const fetchedAt = new Date();
    const raw = await source.fetchRecords();
    recordsIn = raw.length;
    const { snapshots, rejected } = parseRecords(raw, fetchedAt);
    recordsSkipped = rejected.length;
    recordsOut = snapshots.length;
    changed = await db.transaction((tx) => applySnapshots(tx, snapshots));
    const durationMs = Math.round(performance.now() - started);
    const [log] = await db
      .insert(transformationLogs)
      .values({
        runId: run.id,
        type: rejected.length > 0 ? 'warning' : 'info',
        message:
          rejected.length > 0
            ? `Synced ${recordsOut} records from ${source.name}; skipped ${rejected.length} invalid`
            : `Synced ${recordsOut} records from ${source.name}; ${changed.length} players changed`,
        recordsIn,
        recordsOut,
        recordsSkipped,
        durationMs,
        details: { changedPlayers: changed.length, rejected: rejected.slice(0, 50) },
      })
      .returning();
    await db
      .update(syncRuns)
      .set({ status: 'succeeded', finishedAt: new Date(), recordsIn, recordsOut, recordsSkipped })
      .where(eq(syncRuns.id, run.id));
    const at = new Date().toISOString();
    if (log) await bus.publish('log.created', { id: log.id, type: log.type, message: log.message, at });
    if (changed.length > 0) await bus.publish('leaderboard.changed', { changedPlayers: changed.length, at });
    return {
      runId: run.id,
      status: 'succeeded',
      recordsIn,
      recordsOut,
      recordsSkipped,
      changedPlayers: changed.length,
      durationMs,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const durationMs = Math.round(performance.now() - started);
    await db
      .update(syncRuns)
      .set({ status: 'failed', finishedAt: new Date(), recordsIn, recordsOut: 0, recordsSkipped, error: message })
      .where(eq(syncRuns.id, run.id));
    const [log] = await db
      .insert(transformationLogs)
      .values({
        runId: run.id,
        type: 'error',
        message: `Sync from ${source.name} failed: ${message}`,
        recordsIn,
        recordsSkipped,
        durationMs,
      })
      .returning();
    if (log)
      await bus.publish('log.created', {
        id: log.id,
        type: 'error',
        message: log.message,
        at: new Date().toISOString(),
      });
    return {
      runId: run.id,
      status: 'failed',
      recordsIn,
      recordsOut: 0,
      recordsSkipped,
      changedPlayers: 0,
      durationMs,
      error: message,
    };
  }
}

export interface SyncScheduler {
  stop(): Promise<void>;
}

/**
 * Runs `runSync` every `intervalMs`, never overlapping itself; `stop()` waits for a run in
 * progress so shutdown does not cut a transaction short.
 */
export function scheduleSync(
  deps: SyncDeps,
  source: UpstreamSource,
  intervalMs: number,
  onResult?: (result: SyncRunResult) => void,
): SyncScheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  const tick = () => {
    if (stopped) return;
    current = runSync(deps, source, 'schedule')
      .then(onResult, (err: unknown) =>
        onResult?.({
          runId: 0,
          status: 'failed',
          recordsIn: 0,
          recordsOut: 0,
          recordsSkipped: 0,
          changedPlayers: 0,
          durationMs: 0,
          error: String(err),
        }),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** The database's current players in the upstream format: where the simulator continues from. */
export async function loadPlayerRecords(db: Db) {
  const rows = await db.select().from(schema.players);
  return rows.map((p) => ({
    uid: p.uid,
    name: p.name,
    wagered: { today: p.wagerToday, this_week: p.wagerWeek, this_month: p.wagerMonth, all_time: p.wagerAllTime },
    updated_at: p.upstreamUpdatedAt.toISOString(),
  }));
}
