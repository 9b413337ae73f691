import type { Db } from '@goated/db';
import type { z } from 'zod';
import { ConflictError } from '../../errors';
import type { EventBus } from '../../events/bus';
import { SyncAnnouncer, type SyncLogger } from './announce';
import { localLock, type TryRunLock } from './locks';
import { SyncPipeline } from './pipeline';
import { type SyncRunResult, skippedResult } from './results';
import { readRunHistory, type SyncStatus, type syncStatusInput } from './runs';
import { SyncScheduler } from './scheduler';
import type { UpstreamSource } from './source';
import { PlayersUpkeep } from './upkeep';

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
  /**
   * Vacuum `players` after the writes that change it (at most once per 10 s, upkeep.ts), so the
   * leaderboard's reads stay index-only. The server turns it on; off by default, so a test or a
   * benchmark that runs syncs back to back measures the runs alone.
   */
  vacuumAfterChanges?: boolean;
}

/**
 * The sync pipeline as the server and the routers see it: pulled runs on a schedule
 * (scheduler.ts), on demand (`runNow`) and pushed batches (`ingest`) through one pipeline
 * (pipeline.ts), never two pulled runs at once in this process, and the status of it all
 * (runs.ts). Nothing here throws out of a scheduled run.
 */
export class SyncService {
  readonly source: UpstreamSource;
  private running: Promise<SyncRunResult> | null = null;
  private readonly abort = new AbortController();
  private readonly announce: SyncAnnouncer;
  private readonly pipeline: SyncPipeline;
  private readonly scheduler: SyncScheduler;
  /** The vacuum after changes (`vacuumAfterChanges`), null when off. */
  readonly upkeep: PlayersUpkeep | null;

  constructor(private readonly options: SyncServiceOptions) {
    const { db, bus } = options;
    const now = options.now ?? (() => new Date());
    this.source = options.source;
    this.announce = new SyncAnnouncer({ db, bus, now, logger: options.logger });
    this.upkeep = options.vacuumAfterChanges ? new PlayersUpkeep({ db, logger: options.logger }) : null;
    this.pipeline = new SyncPipeline({
      db,
      tryLock: options.tryLock ?? localLock(db),
      now,
      announce: this.announce,
      signal: this.abort.signal,
      chunkSize: options.chunkSize,
      recordsPerTurn: options.recordsPerTurn,
      upkeep: this.upkeep,
    });
    this.scheduler = new SyncScheduler({
      db,
      intervalMs: options.intervalMs,
      logRetentionDays: options.logRetentionDays,
      now,
      announce: this.announce,
      run: async () => {
        const result = await this.runOnce('schedule');
        options.onResult?.(result);
      },
    });
  }

  /**
   * One pulled run, unless one is already in progress here or on another instance, in which
   * case it reports `skipped` at once. Never throws.
   */
  async runOnce(trigger: 'schedule' | 'manual' = 'schedule', chosen?: UpstreamSource): Promise<SyncRunResult> {
    if (this.running) return skippedResult(trigger, chosen ?? this.source);
    const run = (async () => this.pipeline.run(trigger, chosen ?? (await this.currentSource())))();
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
      this.announce.warn(err, 'could not read the upstream settings; using the default');
      return this.source;
    }
  }

  /** `sync.runNow`: like `runOnce`, but a run already in progress is a CONFLICT for the caller. */
  async runNow(): Promise<SyncRunResult> {
    const result = await this.runOnce('manual');
    if (result.status === 'skipped') {
      throw new ConflictError('A sync run is already running; try again when it finishes');
    }
    return result;
  }

  /** A pushed batch (`sync.ingest`); it waits for a run in progress rather than failing. */
  ingest(records: unknown[], pushedBy: string): Promise<SyncRunResult> {
    return this.pipeline.ingest(records, pushedBy);
  }

  async status(input: z.output<typeof syncStatusInput> = { runs: 10 }): Promise<SyncStatus> {
    const { inProgress, ...history } = await readRunHistory(this.options.db, input.runs);
    return {
      source: (await this.currentSource()).name,
      scheduled: this.scheduler.scheduled,
      intervalMs: this.scheduler.intervalMs,
      nextRunAt: this.scheduler.nextRunAt,
      running: this.running !== null || inProgress,
      lastRuns: history.lastRuns,
      lastSuccessAt: history.lastSuccessAt,
      lastError: history.lastError,
    };
  }

  /** Runs every `intervalMs` (the first at once), never overlapping itself. */
  start(): void {
    this.scheduler.start();
    this.upkeep?.catchUp();
  }

  /**
   * Stops the schedule and waits for a run in progress. A fetch still under way is aborted
   * (nothing of it has been written); a transaction under way is allowed to finish, and so is
   * a vacuum after one.
   */
  async stop(): Promise<void> {
    this.scheduler.stop();
    this.abort.abort(new Error('the server is shutting down'));
    await this.running?.catch(() => {});
    await this.upkeep?.stop();
  }

  /** Deletes log entries past the retention period (also called by the schedule, hourly). */
  prune(): Promise<{ logs: number; runs: number }> {
    return this.scheduler.prune();
  }
}
