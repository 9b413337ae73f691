/**
 * A vacuum of `players` after each sync that changed it, so the leaderboard's reads stay
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
 * One at a time: changes committed while one runs get one more when it ends. `SKIP_LOCKED`: if
 * another session (autovacuum, another instance) is vacuuming the table, this one steps aside.
 * A failure is logged and forgotten; the next sync's vacuum covers what it missed.
 */
import type { Db } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { SyncLogger } from './announce';

export class PlayersUpkeep {
  private running: Promise<void> | null = null;
  /** Rows changed since the running vacuum started. */
  private pending = 0;
  private stopped = false;
  /** Vacuums finished (the tests wait on it). */
  completed = 0;

  constructor(private readonly options: { db: Db; logger?: SyncLogger | undefined }) {}

  /** After a committed write that changed `rows` players: vacuums now, or after the one running. */
  changed(rows: number): void {
    if (rows <= 0 || this.stopped) return;
    this.pending += rows;
    if (!this.running) this.vacuum();
  }

  /** Resolves when no vacuum is running (or waiting to run). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No new vacuum from now on; waits for the one running. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private vacuum(): void {
    this.pending = 0;
    this.running = this.options.db
      .execute(sql`vacuum (skip_locked) players`)
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
        if (this.pending > 0 && !this.stopped) this.vacuum();
      });
  }
}
