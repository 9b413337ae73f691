import { type Db, type ReleaseLock, schema, type Tx } from '@goated/db';
import { TRPCError } from '@trpc/server';
import { and, DrizzleQueryError, desc, eq, gt, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { EventBus } from '../../events/bus';
import { addDays } from '../dates';
import { insertLog, type LogEntry, type NewLogEntry, pruneLogs, publishLog, writeLog } from '../logs';
import { type Ladder, vipLadder } from '../vip';
import { AppliedState } from './applied-state';
import {
  type ApplyResult,
  applySnapshots,
  byUid,
  DEFAULT_CHUNK_SIZE,
  emptyApplyResult,
  latestPerUid,
  mergeApplyResults,
  prepareUpserts,
  runUpserts,
} from './apply';
import {
  hasRepeatedUids,
  type PlayerSnapshot,
  parseRecords,
  parseRecordsInParts,
  type RejectedRecord,
  type UpstreamRecord,
  upstreamRecordJsonSchema,
} from './records';
import { type RetriedFailure, UpstreamError, type UpstreamSource } from './source';
import { announceTierUps, thresholdsOf } from './tier-ups';

const { syncRuns, races } = schema;

/**
 * Session-level advisory lock held for a whole pulled run (fetch included), so that of N
 * instances on one database only one pulls at a time; the others report "already running".
 */
export const SYNC_RUN_LOCK = 7_220_002;
/**
 * Transaction-level lock around every apply (pulled runs and pushed batches): writes to the
 * player tables happen one batch at a time, across instances, even if a run's session lock
 * was lost with its connection.
 */
export const SYNC_APPLY_LOCK = 7_220_003;

/** Takes the cross-instance run lock; resolves null when another holder has it. */
export type TryRunLock = () => Promise<ReleaseLock | null>;

export type SyncTrigger = 'schedule' | 'manual' | 'ingest';

export interface SyncRunResult {
  /** 0 when the run was skipped. */
  runId: number;
  status: 'succeeded' | 'failed' | 'skipped';
  trigger: SyncTrigger;
  source: string;
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
  /** Players whose stored figures changed. */
  changedPlayers: number;
  /** Valid records older than what is stored, ignored. */
  staleRecords: number;
  /** Valid records this process knew to be unchanged, so not sent to the database. */
  knownUnchanged: number;
  durationMs: number;
  /** Where the time went (absent for skipped and failed runs). */
  phases?: SyncPhases;
  /** Why records were skipped (the first 100). */
  rejected: RejectedRecord[];
  error?: string;
  /** The HTTP status of the upstream's refusal, when a pulled run failed on one (e.g. 401). */
  upstreamStatus?: number;
}

export interface SyncPhases {
  /** Fetching from upstream, retries included (0 for a pushed batch). */
  fetchMs: number;
  /** Validating and normalizing every record. */
  validateMs: number;
  /** The upserts, inside the transaction. */
  applyMs: number;
}

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

export interface SyncLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface SyncServiceOptions {
  db: Db;
  bus: EventBus;
  source: UpstreamSource;
  /**
   * The cross-instance run lock, e.g. `() => handle.tryAdvisoryLock(SYNC_RUN_LOCK)`. Without it
   * the guard covers this process only (every service on the same `db` object).
   */
  tryLock?: TryRunLock;
  /** Time between scheduled runs. */
  intervalMs?: number;
  /** Log entries (and finished runs) older than this many days are deleted. 0 keeps them. */
  logRetentionDays?: number;
  now?: () => Date;
  /** Operational problems that have no better place (a failed publish, a failed prune). */
  logger?: SyncLogger;
  /** Players per upsert statement (default 25,000); all chunks share one transaction. */
  chunkSize?: number;
  /**
   * Records validated between two turns of the event loop (default 1,000: a few ms). The
   * event-loop benchmark sets it to Infinity to measure validating a feed in one block.
   */
  recordsPerTurn?: number;
  /** Called with every scheduled run's result (the server logs them). */
  onResult?: (result: SyncRunResult) => void;
  /**
   * Chooses the source at the start of each pulled run (stored upstream settings), so a change
   * reaches the next run without a restart. Falls back to `source` if it fails.
   */
  resolveSource?: () => Promise<UpstreamSource>;
}

/** Pushed batches are bounded; larger feeds should be split (the body limit is 1 MB). */
export const MAX_INGEST_RECORDS = 5000;

export const syncIngestInput = z.object({
  // Each record is validated by the pipeline, one by one, exactly as pulled records are: a bad
  // record is skipped and reported, it does not reject the batch. The static type is the
  // documented format so typed clients get help.
  records: z
    .array(z.custom<UpstreamRecord>().meta({ id: 'UpstreamRecord', ...upstreamRecordJsonSchema() }))
    .min(1)
    .max(MAX_INGEST_RECORDS),
});

export const syncStatusInput = z.object({ runs: z.number().int().min(1).max(100).default(10) }).prefault({});

const REJECTED_IN_RESULT = 100;
const REJECTED_IN_LOG = 50;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Runs of this process without a cross-instance lock: one per database object. */
const localLocks = new WeakMap<Db, boolean>();

function localLock(db: Db): TryRunLock {
  return async () => {
    if (localLocks.get(db)) return null;
    localLocks.set(db, true);
    return async () => {
      localLocks.delete(db);
    };
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const elapsed = (since: number) => Math.round(performance.now() - since);
/**
 * A failure's message for logs and results. A failed query's own message repeats the SQL and
 * its parameters (a whole batch): what went wrong is the database's error, its cause.
 */
function messageOf(err: unknown): string {
  if (err instanceof DrizzleQueryError && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The data pipeline: fetch → validate every record → transform → upsert players and per-day
 * history in one transaction → transformation log → events. Runs on a schedule, on demand
 * (`runNow`) and for pushed batches (`ingest`). Every failure becomes a log entry; nothing
 * here throws out of a scheduled run.
 */
export class SyncService {
  readonly source: UpstreamSource;
  private readonly db: Db;
  private readonly bus: EventBus;
  private readonly tryLock: TryRunLock;
  private readonly now: () => Date;
  private running: Promise<SyncRunResult> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private nextRunAt: Date | null = null;
  private scheduled = false;
  private stopped = false;
  private lastPruneAt = 0;
  private readonly abort = new AbortController();
  private readonly appliedState = new AppliedState();

  constructor(private readonly options: SyncServiceOptions) {
    this.db = options.db;
    this.bus = options.bus;
    this.source = options.source;
    this.tryLock = options.tryLock ?? localLock(options.db);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One pulled run, unless one is already in progress here or on another instance, in which
   * case it reports `skipped` at once. Never throws.
   */
  async runOnce(trigger: 'schedule' | 'manual' = 'schedule', chosen?: UpstreamSource): Promise<SyncRunResult> {
    if (this.running) return this.skipped(trigger, chosen ?? this.source);
    const run = (async () => {
      const source = chosen ?? (await this.currentSource());
      let release: ReleaseLock | null;
      try {
        release = await this.tryLock();
      } catch (err) {
        return this.failedBeforeStart(trigger, source, err);
      }
      if (!release) return this.skipped(trigger, source);
      try {
        return await this.pull(trigger, source);
      } finally {
        await release().catch((err: unknown) =>
          this.options.logger?.warn({ err: messageOf(err) }, 'could not release the sync lock'),
        );
      }
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  /** The source a run started now would pull from (see `resolveSource`). */
  async currentSource(): Promise<UpstreamSource> {
    if (!this.options.resolveSource) return this.source;
    try {
      return await this.options.resolveSource();
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err) }, 'could not read the upstream settings; using the default');
      return this.source;
    }
  }

  /** `sync.runNow`: like `runOnce`, but a run already in progress is a CONFLICT for the caller. */
  async runNow(): Promise<SyncRunResult> {
    const result = await this.runOnce('manual');
    if (result.status === 'skipped') {
      throw new TRPCError({ code: 'CONFLICT', message: 'A sync run is already running; try again when it finishes' });
    }
    return result;
  }

  /**
   * A pushed batch (`sync.ingest`): the same validation, transaction, log and events as a
   * pulled run. It waits for a run in progress rather than failing. A database failure is
   * logged and rethrown, so the pusher knows to retry.
   */
  async ingest(records: unknown[], pushedBy: string): Promise<SyncRunResult> {
    const started = performance.now();
    const { snapshots, rejected } = parseRecords(records, this.now());
    const phases: SyncPhases = { fetchMs: 0, validateMs: elapsed(started), applyMs: 0 };
    const base = { trigger: 'ingest' as const, source: pushedBy, recordsIn: records.length, phases };
    const ladder = await this.ladder();
    try {
      const { result, log, applied } = await this.db.transaction(async (tx) => {
        await tx.execute(sql`set local lock_timeout = '30s'`);
        await tx.execute(sql`select pg_advisory_xact_lock(${SYNC_APPLY_LOCK})`);
        const applyStarted = performance.now();
        const applied = await applySnapshots(tx, snapshots, this.options.chunkSize, thresholdsOf(ladder));
        phases.applyMs = elapsed(applyStarted);
        const outcome = describeApply(base, snapshots.length, rejected, applied, 0, started);
        const [run] = await tx
          .insert(syncRuns)
          .values({
            trigger: 'ingest',
            source: pushedBy,
            status: outcome.status,
            finishedAt: new Date(),
            recordsIn: records.length,
            recordsOut: snapshots.length,
            recordsSkipped: rejected.length,
            error: outcome.error ?? null,
          })
          .returning({ id: syncRuns.id });
        if (!run) throw new Error('the sync run was not recorded');
        const entry = await insertLog(tx, { ...outcome.log, runId: run.id });
        return { result: { ...outcome.result, runId: run.id }, log: entry, applied };
      });
      // A pushed batch is partial: simplest to forget what this process knew.
      this.appliedState.invalidate();
      await this.announce(log, result, applied);
      await this.announceTierUps(ladder, result.runId, applied);
      return { ...result, durationMs: elapsed(started) };
    } catch (err) {
      this.appliedState.invalidate();
      const message = messageOf(err);
      await this.logFailure(null, `Ingest from ${pushedBy} failed: ${message}`, {
        recordsIn: records.length,
        durationMs: performance.now() - started,
      });
      // Clients see only "Internal server error"; the server log gets the cause without the
      // SQL and the whole batch that a failed query's own message carries.
      throw new TRPCError({
        code: 'INTERNAL_SERVER_ERROR',
        message: 'The batch was not applied',
        cause: new Error(message),
      });
    }
  }

  async status(input: z.output<typeof syncStatusInput> = { runs: 10 }): Promise<SyncStatus> {
    const lastRuns = await this.db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(input.runs);
    const [lastFailed] = await this.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.status, 'failed'))
      .orderBy(desc(syncRuns.id))
      .limit(1);
    const [lastSucceeded] = await this.db
      .select({ finishedAt: syncRuns.finishedAt, startedAt: syncRuns.startedAt })
      .from(syncRuns)
      .where(eq(syncRuns.status, 'succeeded'))
      .orderBy(desc(syncRuns.id))
      .limit(1);
    const [inProgress] = await this.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(eq(syncRuns.status, 'running'))
      .limit(1);
    return {
      source: (await this.currentSource()).name,
      scheduled: this.scheduled,
      intervalMs: this.scheduled ? (this.options.intervalMs ?? null) : null,
      nextRunAt: this.nextRunAt,
      running: this.running !== null || inProgress !== undefined,
      lastRuns,
      lastSuccessAt: lastSucceeded ? (lastSucceeded.finishedAt ?? lastSucceeded.startedAt) : null,
      lastError: lastFailed
        ? {
            runId: lastFailed.id,
            at: lastFailed.finishedAt ?? lastFailed.startedAt,
            message: lastFailed.error ?? 'unknown error',
          }
        : null,
    };
  }

  /** Runs every `intervalMs` (the first at once), never overlapping itself. */
  start(): void {
    const intervalMs = this.options.intervalMs;
    if (this.scheduled || this.stopped || !intervalMs) return;
    this.scheduled = true;
    const tick = async () => {
      this.nextRunAt = null;
      if (this.stopped) return;
      const result = await this.runOnce('schedule');
      this.options.onResult?.(result);
      await this.pruneIfDue();
      if (this.stopped) return;
      this.nextRunAt = new Date(Date.now() + intervalMs);
      this.timer = setTimeout(tick, intervalMs);
    };
    this.nextRunAt = new Date();
    this.timer = setTimeout(tick, 0);
  }

  /**
   * Stops the schedule and waits for a run in progress. A fetch still under way is aborted
   * (nothing of it has been written); a transaction under way is allowed to finish.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduled = false;
    this.nextRunAt = null;
    clearTimeout(this.timer);
    this.abort.abort(new Error('the server is shutting down'));
    await this.running?.catch(() => {});
  }

  /** Deletes log entries past the retention period (also called by the schedule, hourly). */
  async prune(): Promise<{ logs: number; runs: number }> {
    const days = this.options.logRetentionDays ?? 0;
    if (days <= 0) return { logs: 0, runs: 0 };
    return pruneLogs(this.db, new Date(this.now().getTime() - days * DAY_MS));
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    await this.prune().catch((err: unknown) =>
      this.options.logger?.warn({ err: messageOf(err) }, 'could not prune old transformation logs'),
    );
  }

  private async pull(trigger: 'schedule' | 'manual', source: UpstreamSource): Promise<SyncRunResult> {
    const started = performance.now();
    await this.recoverInterruptedRuns();
    const [run] = await this.db
      .insert(syncRuns)
      .values({ trigger, source: source.name })
      .returning({ id: syncRuns.id });
    if (!run) throw new Error('the sync run was not recorded');

    const phases: SyncPhases = { fetchMs: 0, validateMs: 0, applyMs: 0 };
    const base = { trigger, source: source.name, recordsIn: 0, phases };
    // Failed attempts that will be retried are warnings, written in order as they happen.
    let retryLogs: Promise<unknown> = Promise.resolve();
    const onRetry = (failure: RetriedFailure) => {
      retryLogs = retryLogs.then(() => this.logRetry(run.id, source, failure));
    };
    try {
      const fetchedAt = this.now();
      const fetchStarted = performance.now();
      const raw = await source.fetchRecords({ signal: this.abort.signal, onRetry });
      phases.fetchMs = elapsed(fetchStarted);
      await retryLogs;
      base.recordsIn = raw.length;
      const ladder = await this.ladder();
      const { result, log, applied, latest, stateWasCurrent } = await this.db.transaction(async (tx) => {
        await tx.execute(sql`set local lock_timeout = '30s'`);
        // A 25,000-row part's sorts fit in memory instead of spilling to disk.
        await tx.execute(sql`set local work_mem = '64MB'`);
        await tx.execute(sql`select pg_advisory_xact_lock(${SYNC_APPLY_LOCK})`);
        const stateWasCurrent = await this.appliedState.isCurrent(tx, run.id);
        const feed = await this.applyFeed(tx, raw, fetchedAt, stateWasCurrent, phases, thresholdsOf(ladder));
        if (raw.length > 0 && feed.recordsOut === 0) throw new AllRejected(raw.length, feed.rejected);
        const outcome = describeApply(base, feed.recordsOut, feed.rejected, feed.applied, feed.knownUnchanged, started);
        await tx
          .update(syncRuns)
          .set({
            status: 'succeeded',
            finishedAt: new Date(),
            recordsIn: raw.length,
            recordsOut: feed.recordsOut,
            recordsSkipped: feed.rejected.length,
          })
          .where(eq(syncRuns.id, run.id));
        const entry = await insertLog(tx, { ...outcome.log, runId: run.id });
        return {
          result: { ...outcome.result, runId: run.id },
          log: entry,
          applied: feed.applied,
          latest: feed.latest,
          stateWasCurrent,
        };
      });
      await this.appliedState.record(run.id, latest, new Set(applied.staleUids), stateWasCurrent);
      await this.announce(log, result, applied);
      await this.announceTierUps(ladder, run.id, applied);
      return { ...result, durationMs: elapsed(started) };
    } catch (err) {
      // Whatever the database holds now, this process no longer knows it for sure.
      this.appliedState.invalidate();
      await retryLogs.catch(() => {});
      return this.failRun(run.id, base, err, started);
    }
  }

  private async failRun(
    runId: number,
    base: { trigger: SyncTrigger; source: string; recordsIn: number },
    err: unknown,
    started: number,
  ): Promise<SyncRunResult> {
    const durationMs = Math.round(performance.now() - started);
    const stopping = this.abort.signal.aborted;
    const message = stopping ? 'stopped: the server is shutting down' : messageOf(err);
    const rejected = err instanceof AllRejected ? err.rejected : [];
    try {
      await this.db
        .update(syncRuns)
        .set({
          status: 'failed',
          finishedAt: new Date(),
          recordsIn: base.recordsIn,
          recordsOut: 0,
          recordsSkipped: rejected.length,
          error: message,
        })
        .where(eq(syncRuns.id, runId));
    } catch (writeErr) {
      this.options.logger?.warn({ err: messageOf(writeErr), runId }, 'could not record the failed sync run');
    }
    await this.logFailure(runId, `Sync from ${base.source} failed: ${message}`, {
      type: stopping ? 'warning' : 'error',
      recordsIn: base.recordsIn,
      recordsSkipped: rejected.length,
      durationMs,
      details: {
        trigger: base.trigger,
        source: base.source,
        ...(err instanceof UpstreamError
          ? { kind: err.kind, retryable: err.retryable, ...(err.detail.status ? { status: err.detail.status } : {}) }
          : {}),
        ...(rejected.length > 0 ? { rejected: rejected.slice(0, REJECTED_IN_LOG) } : {}),
      },
    });
    return {
      runId,
      status: 'failed',
      trigger: base.trigger,
      source: base.source,
      recordsIn: base.recordsIn,
      recordsOut: 0,
      recordsSkipped: rejected.length,
      changedPlayers: 0,
      staleRecords: 0,
      knownUnchanged: 0,
      durationMs,
      rejected: rejected.slice(0, REJECTED_IN_RESULT),
      error: message,
      ...(err instanceof UpstreamError && err.detail.status ? { upstreamStatus: err.detail.status } : {}),
    };
  }

  private async failedBeforeStart(trigger: SyncTrigger, source: UpstreamSource, err: unknown): Promise<SyncRunResult> {
    const message = `could not take the sync lock: ${messageOf(err)}`;
    await this.logFailure(null, `Sync from ${source.name} failed: ${message}`, {});
    return { ...this.emptyResult(trigger, source.name, 'failed'), error: message };
  }

  private skipped(trigger: SyncTrigger, source: UpstreamSource): SyncRunResult {
    return { ...this.emptyResult(trigger, source.name, 'skipped'), error: 'already running' };
  }

  private emptyResult(trigger: SyncTrigger, source: string, status: SyncRunResult['status']): SyncRunResult {
    return {
      runId: 0,
      status,
      trigger,
      source,
      recordsIn: 0,
      recordsOut: 0,
      recordsSkipped: 0,
      changedPlayers: 0,
      staleRecords: 0,
      knownUnchanged: 0,
      durationMs: 0,
      rejected: [],
    };
  }

  /**
   * Validates a pulled feed part by part and writes each part while the next one is validated,
   * so the database and this process work at the same time; validation yields to the event
   * loop as it goes. All parts share the caller's transaction. A feed that repeats a uid is
   * validated whole first: only each player's latest record may be written.
   */
  private async applyFeed(
    tx: Tx,
    raw: unknown[],
    fetchedAt: Date,
    stateWasCurrent: boolean,
    phases: SyncPhases,
    tierThresholds: string[],
  ) {
    const applyStarted = performance.now();
    const partSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const feed = {
      recordsOut: 0,
      knownUnchanged: 0,
      rejected: [] as RejectedRecord[],
      latest: [] as PlayerSnapshot[],
      applied: emptyApplyResult(),
    };
    let writing: Promise<unknown> = Promise.resolve(null);
    /** Everything but the database's part: done while the previous part is being written. */
    const prepare = (latest: PlayerSnapshot[]) => {
      for (const snapshot of latest) feed.latest.push(snapshot);
      const toSend = stateWasCurrent ? latest.filter((s) => !this.appliedState.unchanged(s)) : latest;
      feed.knownUnchanged += latest.length - toSend.length;
      return prepareUpserts(byUid(toSend), partSize, tierThresholds);
    };
    const write = (statements: SQL[]) =>
      // Settled at once, so a failure waits for the next await instead of going unhandled.
      runUpserts(tx, statements).then(
        (applied) => mergeApplyResults(feed.applied, applied),
        (err: unknown) => ({ failed: err }),
      );
    const repeated = hasRepeatedUids(raw);
    const parts = parseRecordsInParts(
      raw,
      fetchedAt,
      repeated ? Math.max(raw.length, 1) : partSize,
      this.options.recordsPerTurn,
    );
    for (;;) {
      const validateStarted = performance.now();
      const next = await parts.next();
      phases.validateMs += elapsed(validateStarted);
      if (next.done) break;
      const part = next.value;
      feed.recordsOut += part.snapshots.length;
      feed.rejected.push(...part.rejected);
      const statements = await prepare(repeated ? latestPerUid(part.snapshots) : part.snapshots);
      throwIfFailed(await writing);
      writing = write(statements);
    }
    throwIfFailed(await writing);
    phases.applyMs = elapsed(applyStarted);
    return feed;
  }

  /**
   * A run left `running` by a process that died mid-run: its transaction was rolled back by the
   * database, so nothing of it was applied. Only called under the run lock, when no other pulled
   * run can be in progress.
   */
  private async recoverInterruptedRuns(): Promise<void> {
    const interrupted = await this.db
      .update(syncRuns)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        error: 'interrupted: the process stopped before the run finished',
      })
      .where(and(eq(syncRuns.status, 'running'), sql`${syncRuns.trigger} <> 'ingest'`))
      .returning({ id: syncRuns.id, source: syncRuns.source });
    for (const run of interrupted) {
      await this.logFailure(
        run.id,
        `Sync run #${run.id} from ${run.source} was interrupted before it finished; none of its changes were applied`,
        {},
      );
    }
  }

  private async logRetry(runId: number, source: UpstreamSource, failure: RetriedFailure): Promise<void> {
    const entry = await writeLog(this.db, {
      runId,
      type: 'warning',
      message: `Upstream attempt ${failure.attempt} of ${failure.maxAttempts} failed: ${failure.error.message}; retrying in ${fmt(failure.delayMs)} ms`,
      details: {
        source: source.name,
        page: failure.page,
        attempt: failure.attempt,
        kind: failure.error.kind,
        ...(failure.error.detail.status ? { status: failure.error.detail.status } : {}),
        delayMs: failure.delayMs,
      },
    });
    await this.publish(() => publishLog(this.bus, entry));
  }

  /** Writes and publishes an error (or warning) entry; if even that fails, the logger hears. */
  private async logFailure(
    runId: number | null,
    message: string,
    fields: Omit<NewLogEntry, 'message' | 'runId' | 'type'> & { type?: 'warning' | 'error' },
  ): Promise<void> {
    try {
      const entry = await writeLog(this.db, { ...fields, type: fields.type ?? 'error', runId, message });
      await this.publish(() => publishLog(this.bus, entry));
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err), message }, 'could not write a transformation log entry');
    }
  }

  /** After commit: the log entry, the leaderboards, and each live race whose days moved. */
  private async announce(log: LogEntry, result: SyncRunResult, applied: ApplyResult): Promise<void> {
    const at = new Date().toISOString();
    await this.publish(() => publishLog(this.bus, log));
    if (result.changedPlayers > 0) {
      await this.publish(() => this.bus.publish('leaderboard.changed', { changedPlayers: result.changedPlayers, at }));
    }
    const range = applied.changedDayRange;
    if (!range) return;
    try {
      const first = new Date(`${range.first}T00:00:00Z`);
      const afterLast = addDays(new Date(`${range.last}T00:00:00Z`), 1);
      const affected = await this.db
        .select({ id: races.id })
        .from(races)
        .where(
          and(
            inArray(races.status, ['upcoming', 'live']),
            lte(races.startsAt, this.now()),
            gt(races.endsAt, first),
            lt(races.startsAt, afterLast),
          ),
        );
      for (const race of affected) {
        await this.publish(() => this.bus.publish('race.changed', { raceId: race.id, status: 'live', at }));
      }
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err) }, 'could not find the races a sync run affected');
    }
  }

  /**
   * The VIP ladder for spotting tier-ups, read before the run's transaction (from memory after
   * the first run). Unreadable: the run goes on without spotting any.
   */
  private async ladder(): Promise<Ladder | null> {
    try {
      return await vipLadder({ db: this.db, bus: this.bus });
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err) }, 'could not read the VIP ladder; tier-ups are not announced');
      return null;
    }
  }

  /** The run's tier-ups: one log entry and a notification per claimed player. Never throws. */
  private async announceTierUps(ladder: Ladder | null, runId: number, applied: ApplyResult): Promise<void> {
    if (!ladder || applied.tierUps.length === 0) return;
    try {
      const { log } = await announceTierUps(
        { db: this.db, bus: this.bus },
        ladder,
        runId > 0 ? runId : null,
        applied.tierUps,
      );
      if (log) await this.publish(() => publishLog(this.bus, log));
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err) }, 'could not announce the VIP tier-ups of a run');
    }
  }

  /** A bus that is down must not fail a run that has already committed. */
  private async publish(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      this.options.logger?.warn({ err: messageOf(err) }, 'could not publish a sync event');
    }
  }
}

/** The result and log entry of a successful apply. */
function describeApply(
  base: { trigger: SyncTrigger; source: string; recordsIn: number; phases: SyncPhases },
  recordsOut: number,
  rejected: RejectedRecord[],
  applied: ApplyResult,
  knownUnchanged: number,
  started: number,
): { status: 'succeeded' | 'failed'; error?: string; result: SyncRunResult; log: NewLogEntry } {
  const durationMs = Math.round(performance.now() - started);
  const allRejected = base.recordsIn > 0 && recordsOut === 0;
  const verb = base.trigger === 'ingest' ? 'Ingested' : 'Synced';
  const stale = applied.staleSnapshots > 0 ? `; ${fmt(applied.staleSnapshots)} older than stored, ignored` : '';
  const message = allRejected
    ? `${verb} nothing from ${base.source}: all ${fmt(base.recordsIn)} records were invalid`
    : rejected.length > 0
      ? `${verb} ${fmt(recordsOut)} of ${fmt(base.recordsIn)} records from ${base.source}; skipped ${fmt(rejected.length)} invalid; ${fmt(applied.changedPlayers)} players changed${stale}`
      : `${verb} ${fmt(recordsOut)} records from ${base.source}; ${fmt(applied.changedPlayers)} players changed${stale}`;
  const error = allRejected ? `all ${base.recordsIn} records were invalid` : undefined;
  const status = allRejected ? 'failed' : 'succeeded';
  return {
    status,
    ...(error ? { error } : {}),
    result: {
      runId: 0,
      status,
      trigger: base.trigger,
      source: base.source,
      recordsIn: base.recordsIn,
      recordsOut: recordsOut,
      recordsSkipped: rejected.length,
      changedPlayers: applied.changedPlayers,
      staleRecords: applied.staleSnapshots,
      knownUnchanged,
      durationMs,
      phases: base.phases,
      rejected: rejected.slice(0, REJECTED_IN_RESULT),
      ...(error ? { error } : {}),
    },
    log: {
      type: allRejected ? 'error' : rejected.length > 0 ? 'warning' : 'info',
      message,
      recordsIn: base.recordsIn,
      recordsOut: recordsOut,
      recordsSkipped: rejected.length,
      durationMs,
      details: {
        trigger: base.trigger,
        source: base.source,
        changedPlayers: applied.changedPlayers,
        changedDays: applied.changedDays,
        staleRecords: applied.staleSnapshots,
        knownUnchanged,
        phases: base.phases,
        ...(rejected.length > 0 ? { rejected: rejected.slice(0, REJECTED_IN_LOG) } : {}),
      },
    },
  };
}

/** Every record of a non-empty feed failed validation: most likely the upstream format changed. */
class AllRejected extends Error {
  constructor(
    total: number,
    readonly rejected: RejectedRecord[],
  ) {
    super(
      `all ${total} records were invalid (first: ${rejected[0]?.reason ?? 'unknown'}); has the upstream format changed?`,
    );
  }
}

function throwIfFailed(outcome: unknown): void {
  if (outcome && typeof outcome === 'object' && 'failed' in outcome) throw outcome.failed;
}
