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
 *
 * It also builds the ranks of the top of the boards again (top-ranks.ts) after the writes that
 * made them stale, and vacuums those small tables of the rows the build replaced: at most one
 * build every `buildIntervalMs` (1 s), not spaced like the vacuum. A name search reads them only
 * while nothing has been written since the build, so with a sync every 5 s (the default) a build
 * that waited for the vacuum's 10 s would seldom be the latest: one right after each sync holds
 * until the next. Vacuum and build take turns in one queue (the build's lock on `players` would
 * wait for a vacuum), the vacuum first when both are due.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { SyncLogger } from './announce';
import { buildTopRanks, topRanksHold } from './top-ranks';

/** The shortest time between the starts of two vacuums. */
export const VACUUM_MIN_INTERVAL_MS = 10_000;
/** The shortest time between the starts of two builds of the top ranks. */
export const BUILD_MIN_INTERVAL_MS = 1_000;

export class PlayersUpkeep {
  /** The wait for the next turn, then the turn (a vacuum, a build or both): one at a time. */
  private running: Promise<void> | null = null;
  /** Wakes the wait for the next turn early (a build due sooner than the turn waited for). */
  private wake: AbortController | null = null;
  /** When the turn being waited for is due; -Infinity while a turn runs, Infinity when none is waited for. */
  private sleepingUntil = Number.POSITIVE_INFINITY;
  /** `catchUp`'s look at whether the top ranks hold. */
  private checking: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private lastVacuum = Number.NEGATIVE_INFINITY;
  private lastBuild = Number.NEGATIVE_INFINITY;
  /** Rows changed since the last vacuum started. */
  private pending = 0;
  /** Players written since the last build started. */
  private buildPending = false;
  /** Vacuums finished (the tests wait on it). */
  completed = 0;
  /** Builds of the top ranks finished. */
  ranksBuilt = 0;

  constructor(
    private readonly options: {
      db: Db;
      logger?: SyncLogger | undefined;
      /** `VACUUM_MIN_INTERVAL_MS` unless given (tests). */
      minIntervalMs?: number | undefined;
      /** `BUILD_MIN_INTERVAL_MS` unless given (tests). */
      buildIntervalMs?: number | undefined;
    },
  ) {}

  /** After a committed write that changed `rows` players: a vacuum and a build, each now or once its interval has passed. */
  changed(rows: number): void {
    if (rows <= 0 || this.stopping.signal.aborted) return;
    this.pending += rows;
    this.buildPending = true;
    this.schedule();
  }

  /**
   * At start: a vacuum and a build now if the top ranks do not hold (never built, or players
   * written since by something that builds nothing after, such as the demo seed).
   */
  catchUp(): void {
    if (this.stopping.signal.aborted) return;
    const check = topRanksHold(this.options.db).then(
      (hold) => {
        if (hold) return;
        this.pending++;
        this.buildPending = true;
        this.schedule();
      },
      (err: unknown) => {
        this.options.logger?.warn({ err }, 'could not tell whether the ranks of the top of the boards hold');
      },
    );
    this.checking = check.finally(() => {
      this.checking = null;
    });
  }

  /** Resolves when no vacuum or build is running or waiting to run. */
  async idle(): Promise<void> {
    while (this.running || this.checking) await (this.running ?? this.checking);
  }

  /** No new turn from now on (one waiting for its time never starts); waits for the one running. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private vacuumDueAt(): number {
    return this.pending > 0 ? this.lastVacuum + (this.options.minIntervalMs ?? VACUUM_MIN_INTERVAL_MS) : Infinity;
  }

  private buildDueAt(): number {
    return this.buildPending ? this.lastBuild + (this.options.buildIntervalMs ?? BUILD_MIN_INTERVAL_MS) : Infinity;
  }

  private schedule(): void {
    if (this.stopping.signal.aborted) return;
    const due = Math.min(this.vacuumDueAt(), this.buildDueAt());
    if (this.running) {
      // Asleep until a later turn than this change needs (a vacuum's interval, when a build is
      // due sooner): wake it; its end schedules again.
      if (due < this.sleepingUntil) this.wake?.abort();
      return;
    }
    if (due === Infinity) return;
    const wait = due - performance.now();
    const wake = new AbortController();
    this.wake = wake;
    this.sleepingUntil = wait > 0 ? due : Number.NEGATIVE_INFINITY;
    // No wait: the turn starts now, so what changes from here on is left for the next one.
    const turn =
      wait > 0
        ? sleep(wait, undefined, { ref: false, signal: AbortSignal.any([this.stopping.signal, wake.signal]) }).then(
            () => this.turn(),
            () => {}, // woken for an earlier turn, or stopped while waiting
          )
        : this.turn();
    this.running = turn.finally(() => {
      this.running = null;
      this.wake = null;
      this.sleepingUntil = Number.POSITIVE_INFINITY;
      this.schedule();
    });
  }

  private async turn(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    if (performance.now() >= this.vacuumDueAt()) await this.vacuum();
    if (this.stopping.signal.aborted) return;
    if (performance.now() >= this.buildDueAt()) await this.build();
  }

  private async vacuum(): Promise<void> {
    this.pending = 0;
    this.lastVacuum = performance.now();
    try {
      await this.options.db.execute(sql`vacuum (skip_locked, truncate false) players`);
      this.completed++;
    } catch (err) {
      this.options.logger?.warn({ err }, 'the vacuum of players after a sync failed');
    }
  }

  private async build(): Promise<void> {
    this.buildPending = false;
    this.lastBuild = performance.now();
    try {
      await buildTopRanks(this.options.db);
      await this.options.db.execute(
        sql`vacuum (skip_locked, truncate false) leaderboard_top_ranks, leaderboard_buckets_above`,
      );
      this.ranksBuilt++;
    } catch (err) {
      this.options.logger?.warn(
        { err },
        'the ranks of the top of the boards were not built; searches count them until the next build',
      );
    }
  }
}
