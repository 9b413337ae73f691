import { setImmediate as nextTurn } from 'node:timers/promises';
import { schema, type Tx } from '@goated/db';
import { and, eq, max, ne } from 'drizzle-orm';
import { utcDay } from '../dates';
import { type PlayerSnapshot, RECORDS_PER_TURN } from './records';

const { syncRuns } = schema;

/**
 * What this process last wrote to (or confirmed in) the player tables, per uid, so that a run
 * can leave out records that would change nothing — usually most of a feed, since most players
 * are idle between two fetches. Shipping, parsing and comparing those rows is most of the
 * database's work on a quiet feed.
 *
 * It is only trusted when no other apply has committed since this process's last one: every
 * apply (pulled run or pushed batch, any instance) commits its `sync_runs` row as `succeeded`
 * in the same transaction, under the apply lock, so inside that lock "the latest successful run
 * is still ours" proves the tables still hold what we left there. Anything else (another
 * instance, a pushed batch, a restart) starts from scratch: the next run sends everything.
 *
 * This relies on the player tables being written only by `applySnapshots`.
 */
export class AppliedState {
  private readonly byUid = new Map<string, string>();
  private asOfRunId: number | null = null;

  /** Call inside the apply transaction, after taking the apply lock. */
  async isCurrent(tx: Tx, currentRunId: number | null): Promise<boolean> {
    if (this.asOfRunId === null) return false;
    const [row] = await tx
      .select({ id: max(syncRuns.id) })
      .from(syncRuns)
      .where(and(eq(syncRuns.status, 'succeeded'), currentRunId === null ? undefined : ne(syncRuns.id, currentRunId)));
    return row?.id === this.asOfRunId;
  }

  /**
   * Inside the apply transaction, after `isCurrent`: from now until `committed`, the entries are
   * not trusted (a failed run calls `invalidate`). `wasCurrent` false means earlier entries are
   * unreliable: they are dropped.
   */
  begin(wasCurrent: boolean): void {
    if (!wasCurrent) this.byUid.clear();
    this.asOfRunId = null;
  }

  /**
   * The snapshots of one part of the run (one per uid, uids not seen in an earlier part), split
   * into those to send and the number this process knows are stored unchanged (only with
   * `trusted`: the state was current at `begin`). The ones to send are entered as what the
   * tables will hold, so the bookkeeping is done while the database writes the previous part
   * rather than after the commit. Yields to the event loop as it goes.
   */
  async stage(
    snapshots: readonly PlayerSnapshot[],
    trusted: boolean,
  ): Promise<{ toSend: PlayerSnapshot[]; known: number }> {
    const toSend: PlayerSnapshot[] = [];
    let known = 0;
    for (let i = 0; i < snapshots.length; i++) {
      if (i > 0 && i % RECORDS_PER_TURN === 0) await nextTurn();
      const snapshot = snapshots[i];
      if (!snapshot) continue;
      const key = keyOf(snapshot);
      if (trusted && this.byUid.get(snapshot.uid) === key) {
        known++;
        continue;
      }
      this.byUid.set(snapshot.uid, key);
      toSend.push(snapshot);
    }
    return { toSend, known };
  }

  /**
   * After the commit of `runId`: the tables hold every staged snapshot's figures, except for
   * stale ones (a newer value we have not seen is stored), which are forgotten.
   */
  committed(runId: number, staleUids: readonly string[]): void {
    for (const uid of staleUids) this.byUid.delete(uid);
    this.asOfRunId = runId;
  }

  /** Someone else wrote (or may have): forget everything. */
  invalidate(): void {
    this.byUid.clear();
    this.asOfRunId = null;
  }
}

let lastMs = Number.NaN;
let lastDay = '';

/** Everything the upsert compares, including the day its history row belongs to. */
function keyOf(s: PlayerSnapshot): string {
  // Most snapshots of a feed share one timestamp: format its day once.
  const ms = s.upstreamUpdatedAt.getTime();
  if (ms !== lastMs) {
    lastMs = ms;
    lastDay = utcDay(s.upstreamUpdatedAt);
  }
  return `${lastDay}|${s.wagerToday}|${s.wagerWeek}|${s.wagerMonth}|${s.wagerAllTime}|${s.name}`;
}
