/**
 * What is told after a run, and of its troubles: the transformation-log entries (written and
 * published), the leaderboard and race events, the VIP tier-ups. A bus that is down, or a log
 * that cannot be written, never fails a run: the logger hears instead.
 */
import { type Db, schema } from '@goated/db';
import { and, gt, inArray, lt, lte } from 'drizzle-orm';
import type { EventBus } from '../../events/bus';
import type { Logger } from '../../logger';
import { addDays } from '../dates';
import { type LogEntry, type NewLogEntry, publishLog, writeLog } from '../logs';
import { type Ladder, vipLadder } from '../vip';
import type { ApplyResult } from './apply';
import { fmt, type SyncRunResult } from './results';
import type { RetriedFailure, UpstreamSource } from './source';
import { announceTierUps } from './tier-ups';

const { races } = schema;

/** Where the pipeline reports what it could not write to its own log: the server's logger. */
export type SyncLogger = Pick<Logger, 'warn'>;

export interface AnnouncerOptions {
  db: Db;
  bus: EventBus;
  now: () => Date;
  logger?: SyncLogger | undefined;
}

export class SyncAnnouncer {
  constructor(private readonly options: AnnouncerOptions) {}

  /** After commit: the log entry, the leaderboards, each live race whose days moved, the tier-ups. */
  async applied(log: LogEntry, result: SyncRunResult, applied: ApplyResult, ladder: Ladder | null): Promise<void> {
    await this.changes(log, result, applied);
    await this.tierUps(ladder, result.runId, applied);
  }

  /**
   * The VIP ladder for spotting tier-ups, read before the run's transaction (from memory after
   * the first run). Unreadable: the run goes on without spotting tier-ups.
   */
  async ladder(): Promise<Ladder | null> {
    try {
      return await vipLadder({ db: this.options.db, bus: this.options.bus });
    } catch (err) {
      this.warn(err, 'could not read the VIP ladder; tier-ups are not announced');
      return null;
    }
  }

  /** A failed upstream attempt that will be retried: a warning, written and published. */
  async retry(runId: number, source: UpstreamSource, failure: RetriedFailure): Promise<void> {
    const entry = await writeLog(this.options.db, {
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
    await this.publish(() => publishLog(this.options.bus, entry));
  }

  /** Writes and publishes an error (or warning) entry; if even that fails, the logger hears. */
  async failure(
    runId: number | null,
    message: string,
    fields: Omit<NewLogEntry, 'message' | 'runId' | 'type'> & { type?: 'warning' | 'error' },
  ): Promise<void> {
    try {
      const entry = await writeLog(this.options.db, { ...fields, type: fields.type ?? 'error', runId, message });
      await this.publish(() => publishLog(this.options.bus, entry));
    } catch (err) {
      this.warn(err, 'could not write a transformation log entry', { message });
    }
  }

  /** An operational problem with no better place (a failed publish, a lock not released). */
  warn(err: unknown, message: string, details: Record<string, unknown> = {}): void {
    this.options.logger?.warn({ err, ...details }, message);
  }

  /** The log entry, the leaderboards, and each live race whose days moved. */
  private async changes(log: LogEntry, result: SyncRunResult, applied: ApplyResult): Promise<void> {
    const { db, bus } = this.options;
    const at = new Date().toISOString();
    await this.publish(() => publishLog(bus, log));
    if (result.changedPlayers > 0) {
      await this.publish(() => bus.publish('leaderboard.changed', { changedPlayers: result.changedPlayers, at }));
    }
    const range = applied.changedDayRange;
    if (!range) return;
    try {
      const first = new Date(`${range.first}T00:00:00Z`);
      const afterLast = addDays(new Date(`${range.last}T00:00:00Z`), 1);
      const affected = await db
        .select({ id: races.id })
        .from(races)
        .where(
          and(
            inArray(races.status, ['upcoming', 'live']),
            lte(races.startsAt, this.options.now()),
            gt(races.endsAt, first),
            lt(races.startsAt, afterLast),
          ),
        );
      for (const race of affected) {
        await this.publish(() => bus.publish('race.changed', { raceId: race.id, status: 'live', at }));
      }
    } catch (err) {
      this.warn(err, 'could not find the races a sync run affected');
    }
  }

  /** The run's tier-ups: one log entry and a notification per claimed player. Never throws. */
  private async tierUps(ladder: Ladder | null, runId: number, applied: ApplyResult): Promise<void> {
    if (!ladder || applied.tierUps.length === 0) return;
    try {
      const { db, bus } = this.options;
      const { log } = await announceTierUps({ db, bus }, ladder, runId > 0 ? runId : null, applied.tierUps);
      if (log) await this.publish(() => publishLog(bus, log));
    } catch (err) {
      this.warn(err, 'could not announce the VIP tier-ups of a run');
    }
  }

  /** A bus that is down must not fail a run that has already committed. */
  private async publish(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      this.warn(err, 'could not publish a sync event');
    }
  }
}
