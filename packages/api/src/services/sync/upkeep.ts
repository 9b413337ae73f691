/**
 * A vacuum of `players` after the syncs that change it, so the leaderboard's reads stay
 * index-only.
 *
 * The name search and the rank counts read only indexes (the name index carries every column a
 * search shows; the rank indexes carry the name), and an index-only read is only index-only on
 * the table's pages marked all-visible. A write clears that mark on the pages it touches, and
 * only a vacuum sets it again. A sync that moves a few per cent of the players touches nearly
 * every page of the table, so until the next vacuum each index entry costs a visit to the table
 * as well: at 1,000,000 players, 5 % of them moved, a three-digit name search took 1.2 ms in the
 * server against 0.7 ms after a vacuum, a two-digit one 2.6 against 0.8 ms. PostgreSQL's
 * autovacuum waits for a fifth of the table to have changed (and PGlite runs no autovacuum at
 * all), so without this the board was read that way most of the time.
 *
 * A vacuum after a sync visits only the pages not marked all-visible, and sets the mark again.
 * It does cost the database a pass over those pages and, with many dead rows, over the indexes,
 * so they are spaced: at most one every `minIntervalMs` (10 s), covering every change committed
 * since the last; changes after a quiet spell get theirs at once. (Run after each of `pnpm bench
 * load`'s ~24 small ingests a second, back to back, they took a third of its throughput.) One
 * at a time; `SKIP_LOCKED`: if another session (autovacuum, another instance) is vacuuming the
 * table, this one steps aside; `TRUNCATE false`: no exclusive lock at the end to give empty
 * pages back, which would stall the reads for a moment. A failure is logged and forgotten; the
 * next vacuum covers what it missed.
 */
import type { Db } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { SyncLogger } from './announce';

/** The shortest time between the starts of two vacuums. */
export const VACUUM_MIN_INTERVAL_MS = 10_000;

export class PlayersUpkeep {
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Waiters for the vacuum the timer will start (`idle`). */
  private scheduled: Promise<void> | null = null;
  private startScheduled: () => void = () => {};
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Rows changed since the last vacuum started. */
  private pending = 0;
  private stopped = false;
  /** Vacuums finished (the tests wait on it). */
  completed = 0;

  constructor(
    private readonly options: {
      db: Db;
      logger?: SyncLogger | undefined;
      /** `VACUUM_MIN_INTERVAL_MS` unless given (tests). */
      minIntervalMs?: number | undefined;
    },
  ) {}

  /** After a committed write that changed `rows` players: a vacuum now, or once the interval has passed. */
  changed(rows: number): void {
    if (rows <= 0 || this.stopped) return;
    this.pending += rows;
    this.schedule();
  }

  /** Resolves when no vacuum is running or waiting to run. */
  async idle(): Promise<void> {
    while (this.running || this.scheduled) await (this.running ?? this.scheduled);
  }

  /** No new vacuum from now on; waits for the one running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const release = this.startScheduled;
    this.scheduled = null;
    this.startScheduled = () => {};
    release();
    await this.idle();
  }

  private schedule(): void {
    if (this.running || this.timer || this.pending === 0 || this.stopped) return;
    const wait = this.lastStart + (this.options.minIntervalMs ?? VACUUM_MIN_INTERVAL_MS) - performance.now();
    if (wait <= 0) {
      this.vacuum();
      return;
    }
    this.scheduled = new Promise<void>((resolve) => {
      this.startScheduled = resolve;
    });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.vacuum();
    }, wait);
    this.timer.unref();
  }

  private vacuum(): void {
    const started = this.startScheduled;
    this.scheduled = null;
    this.startScheduled = () => {};
    if (this.stopped) {
      started();
      return;
    }
    this.pending = 0;
    this.lastStart = performance.now();
    this.running = this.options.db
      .execute(sql`vacuum (skip_locked, truncate false) players`)
      .then(
        () => {
          this.completed++;
        },
        (err: unknown) => {
          this.options.logger?.warn({ err }, 'the vacuum of players after a sync failed');
        },
      )
      .finally(() => {
        this.running = null;
        this.schedule();
      });
    started();
  }
}
