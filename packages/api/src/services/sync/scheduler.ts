import type { Db } from '@goated/db';
import { pruneLogs } from '../logs';
import type { SyncAnnouncer } from './announce';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SchedulerOptions {
  db: Db;
  /** Time between scheduled runs; none: `start` does nothing. */
  intervalMs?: number | undefined;
  /** Log entries (and finished runs) older than this many days are deleted. 0 keeps them. */
  logRetentionDays?: number | undefined;
  now: () => Date;
  announce: SyncAnnouncer;
  /** One scheduled run, its result handed on; must not throw. */
  run: () => Promise<void>;
}

/** The timer: a run every `intervalMs` (the first at once), never overlapping itself, and the hourly prune. */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = 0;
  private nextAt: Date | null = null;
  private onTimer = false;
  private halted = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Whether runs happen on the timer. */
  get scheduled(): boolean {
    return this.onTimer;
  }

  /** When the timer fires next (null while a run is in progress or unscheduled). */
  get nextRunAt(): Date | null {
    return this.nextAt;
  }

  get intervalMs(): number | null {
    return this.onTimer ? (this.options.intervalMs ?? null) : null;
  }

  start(): void {
    const intervalMs = this.options.intervalMs;
    if (this.onTimer || this.halted || !intervalMs) return;
    this.onTimer = true;
    const tick = async () => {
      this.nextAt = null;
      if (this.halted) return;
      await this.options.run();
      await this.pruneIfDue();
      if (this.halted) return;
      this.nextAt = new Date(Date.now() + intervalMs);
      this.timer = setTimeout(tick, intervalMs);
    };
    this.nextAt = new Date();
    this.timer = setTimeout(tick, 0);
  }

  /** No run starts from now on (one in progress is the caller's to wait for). */
  stop(): void {
    this.halted = true;
    this.onTimer = false;
    this.nextAt = null;
    clearTimeout(this.timer);
  }

  /** Deletes log entries past the retention period (also done by the schedule, hourly). */
  async prune(): Promise<{ logs: number; runs: number }> {
    const days = this.options.logRetentionDays ?? 0;
    if (days <= 0) return { logs: 0, runs: 0 };
    return pruneLogs(this.options.db, new Date(this.options.now().getTime() - days * DAY_MS));
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    await this.prune().catch((err: unknown) =>
      this.options.announce.warn(err, 'could not prune old transformation logs'),
    );
  }
}
