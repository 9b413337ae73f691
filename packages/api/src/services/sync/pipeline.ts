/**
 * The data pipeline: fetch → validate every record → transform → upsert players and per-day
 * history in one transaction → transformation log → events. A pulled run (`run`) never throws:
 * every failure becomes a log entry. A pushed batch (`ingest`) goes the same way.
 */
import type { Db, ReleaseLock } from '@goated/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { insertLog } from '../logs';
import type { SyncAnnouncer } from './announce';
import { AppliedState } from './applied-state';
import { applySnapshots } from './apply';
import { applyFeed, RepeatedUids } from './feed';
import { type TryRunLock, takeApplyLock } from './locks';
import { parseRecords, type UpstreamRecord, upstreamRecordJsonSchema } from './records';
import {
  AllRejected,
  describeApply,
  elapsed,
  emptyResult,
  failedResult,
  messageOf,
  REJECTED_IN_LOG,
  type RunBase,
  type SyncPhases,
  type SyncRunResult,
  type SyncTrigger,
  skippedResult,
} from './results';
import { failInterruptedRuns, recordIngestRun, recordRunFailed, recordRunStart, recordRunSucceeded } from './runs';
import { FeedMisread, type FeedRecords, type RetriedFailure, UpstreamError, type UpstreamSource } from './source';
import { thresholdsOf } from './tier-ups';
import type { PlayersUpkeep } from './upkeep';

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

export interface PipelineOptions {
  db: Db;
  tryLock: TryRunLock;
  now: () => Date;
  announce: SyncAnnouncer;
  /** Aborted when the server shuts down: a fetch under way stops, nothing of it is written. */
  signal: AbortSignal;
  chunkSize?: number | undefined;
  recordsPerTurn?: number | undefined;
  /** Told of each committed write's changed players: vacuums `players` after it (upkeep.ts). */
  upkeep?: PlayersUpkeep | null | undefined;
}

export class SyncPipeline {
  private readonly appliedState = new AppliedState();
  /** The last pulled feed repeated a uid: read the next one whole before writing any of it. */
  private readWhole = false;

  constructor(private readonly options: PipelineOptions) {}

  /** One pulled run under the run lock; `skipped` when another holder has it. Never throws. */
  async run(trigger: 'schedule' | 'manual', source: UpstreamSource): Promise<SyncRunResult> {
    let release: ReleaseLock | null;
    try {
      release = await this.options.tryLock();
    } catch (err) {
      return this.failedBeforeStart(trigger, source, err);
    }
    if (!release) return skippedResult(trigger, source);
    try {
      return await this.pull(trigger, source);
    } finally {
      await release().catch((err: unknown) => this.options.announce.warn(err, 'could not release the sync lock'));
    }
  }

  /**
   * A pushed batch (`sync.ingest`): the same validation, transaction, log and events as a
   * pulled run. A database failure is logged and rethrown, so the pusher knows to retry.
   */
  async ingest(records: unknown[], pushedBy: string): Promise<SyncRunResult> {
    const { db, announce } = this.options;
    const started = performance.now();
    const { snapshots, rejected } = parseRecords(records, this.options.now());
    const phases: SyncPhases = { fetchMs: 0, validateMs: elapsed(started), applyMs: 0 };
    const base = { trigger: 'ingest' as const, source: pushedBy, recordsIn: records.length, phases };
    const ladder = await announce.ladder();
    try {
      const { result, log, applied } = await db.transaction(async (tx) => {
        await takeApplyLock(tx);
        const applyStarted = performance.now();
        const applied = await applySnapshots(tx, snapshots, this.options.chunkSize, thresholdsOf(ladder));
        phases.applyMs = elapsed(applyStarted);
        const outcome = describeApply(base, snapshots.length, rejected, applied, 0, started);
        const runId = await recordIngestRun(tx, {
          source: pushedBy,
          status: outcome.status,
          recordsIn: records.length,
          recordsOut: snapshots.length,
          recordsSkipped: rejected.length,
          error: outcome.error ?? null,
        });
        const entry = await insertLog(tx, { ...outcome.log, runId });
        return { result: { ...outcome.result, runId }, log: entry, applied };
      });
      // A pushed batch is partial: simplest to forget what this process knew.
      this.appliedState.invalidate();
      this.options.upkeep?.changed(result.changedPlayers);
      await announce.applied(log, result, applied, ladder);
      return { ...result, durationMs: elapsed(started) };
    } catch (err) {
      this.appliedState.invalidate();
      const message = messageOf(err);
      await announce.failure(null, `Ingest from ${pushedBy} failed: ${message}`, {
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

  private async pull(trigger: 'schedule' | 'manual', source: UpstreamSource): Promise<SyncRunResult> {
    const { db, announce } = this.options;
    const started = performance.now();
    await this.recoverInterruptedRuns();
    const runId = await recordRunStart(db, trigger, source.name);

    const phases: SyncPhases = { fetchMs: 0, validateMs: 0, applyMs: 0 };
    const base = { trigger, source: source.name, recordsIn: 0, phases };
    // Failed attempts that will be retried are warnings, written in order as they happen.
    let retryLogs: Promise<unknown> = Promise.resolve();
    const onRetry = (failure: RetriedFailure) => {
      retryLogs = retryLogs.then(() => announce.retry(runId, source, failure));
    };
    try {
      const fetchedAt = this.options.now();
      const fetchStarted = performance.now();
      const fetchOptions = { signal: this.options.signal, onRetry };
      // A big feed is parsed as it is written (its first part goes to the database while the rest
      // is still text), unless the last one repeated a uid: then it is read whole beforehand.
      const fetched = source.fetchFeed ? await source.fetchFeed(fetchOptions) : await source.fetchRecords(fetchOptions);
      const raw = Array.isArray(fetched) || !this.readWhole ? fetched : await fetched.all();
      phases.fetchMs = elapsed(fetchStarted);
      await retryLogs;
      base.recordsIn = Array.isArray(raw) ? raw.length : raw.count;
      const ladder = await announce.ladder();
      const apply = (records: unknown[] | FeedRecords) =>
        this.applyPulled({ runId, base, raw: records, fetchedAt, ladder, started });
      let outcome: Awaited<ReturnType<typeof apply>>;
      try {
        outcome = await apply(raw);
      } catch (err) {
        if (Array.isArray(fetched) || !(err instanceof RepeatedUids || err instanceof FeedMisread)) throw err;
        // Rolled back before anything was committed: the feed is applied again, read whole.
        this.appliedState.invalidate();
        outcome = await apply(await fetched.all());
      }
      const { result, log, applied } = outcome;
      this.readWhole = outcome.repeatedUids;
      this.appliedState.committed(runId, applied.staleUids);
      this.options.upkeep?.changed(result.changedPlayers);
      await announce.applied(log, result, applied, ladder);
      return { ...result, durationMs: elapsed(started) };
    } catch (err) {
      // Whatever the database holds now, this process no longer knows it for sure.
      this.appliedState.invalidate();
      await retryLogs.catch(() => {});
      return this.failRun(runId, base, err, started);
    }
  }

  /** A pulled feed's transaction: the apply lock, the parts, the run's row and its log entry. */
  private async applyPulled(run: {
    runId: number;
    base: RunBase & { phases: SyncPhases };
    raw: unknown[] | FeedRecords;
    fetchedAt: Date;
    ladder: Awaited<ReturnType<SyncAnnouncer['ladder']>>;
    started: number;
  }) {
    const { runId, base, raw } = run;
    const recordsIn = base.recordsIn;
    return this.options.db.transaction(async (tx) => {
      await takeApplyLock(tx, { largeParts: true });
      const stateWasCurrent = await this.appliedState.isCurrent(tx, runId);
      const feed = await applyFeed(
        tx,
        raw,
        {
          fetchedAt: run.fetchedAt,
          appliedState: this.appliedState,
          stateWasCurrent,
          tierThresholds: thresholdsOf(run.ladder),
          chunkSize: this.options.chunkSize,
          recordsPerTurn: this.options.recordsPerTurn,
        },
        base.phases,
      );
      if (recordsIn > 0 && feed.recordsOut === 0) throw new AllRejected(recordsIn, feed.rejected);
      const outcome = describeApply(
        base,
        feed.recordsOut,
        feed.rejected,
        feed.applied,
        feed.knownUnchanged,
        run.started,
      );
      await recordRunSucceeded(tx, runId, {
        recordsIn,
        recordsOut: feed.recordsOut,
        recordsSkipped: feed.rejected.length,
      });
      const entry = await insertLog(tx, { ...outcome.log, runId });
      return {
        result: { ...outcome.result, runId },
        log: entry,
        applied: feed.applied,
        repeatedUids: feed.repeatedUids,
      };
    });
  }

  private async failRun(runId: number, base: RunBase, err: unknown, started: number): Promise<SyncRunResult> {
    const durationMs = Math.round(performance.now() - started);
    const stopping = this.options.signal.aborted;
    const message = stopping ? 'stopped: the server is shutting down' : messageOf(err);
    const rejected = err instanceof AllRejected ? err.rejected : [];
    try {
      await recordRunFailed(this.options.db, runId, {
        recordsIn: base.recordsIn,
        recordsSkipped: rejected.length,
        error: message,
      });
    } catch (writeErr) {
      this.options.announce.warn(writeErr, 'could not record the failed sync run', { runId });
    }
    await this.options.announce.failure(runId, `Sync from ${base.source} failed: ${message}`, {
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
    return failedResult(runId, base, rejected, durationMs, message, err);
  }

  private async failedBeforeStart(trigger: SyncTrigger, source: UpstreamSource, err: unknown): Promise<SyncRunResult> {
    const message = `could not take the sync lock: ${messageOf(err)}`;
    await this.options.announce.failure(null, `Sync from ${source.name} failed: ${message}`, {});
    return { ...emptyResult(trigger, source.name, 'failed'), error: message };
  }

  /** Runs a dead process left `running`, each told in the log; under the run lock only. */
  private async recoverInterruptedRuns(): Promise<void> {
    for (const run of await failInterruptedRuns(this.options.db)) {
      await this.options.announce.failure(
        run.id,
        `Sync run #${run.id} from ${run.source} was interrupted before it finished; none of its changes were applied`,
        {},
      );
    }
  }
}
