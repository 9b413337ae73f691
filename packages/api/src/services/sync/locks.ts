import type { Db, ReleaseLock, Tx } from '@goated/db';
import { sql } from 'drizzle-orm';

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

/** Runs of this process without a cross-instance lock: one per database object. */
const localLocks = new WeakMap<Db, boolean>();

/** The run lock when no cross-instance one is given: it covers every service on this `db`. */
export function localLock(db: Db): TryRunLock {
  return async () => {
    if (localLocks.get(db)) return null;
    localLocks.set(db, true);
    return async () => {
      localLocks.delete(db);
    };
  };
}

/**
 * First statements of every apply transaction: wait at most 30 s for a lock, then hold the
 * apply lock. `largeParts`: a pulled feed's 25,000-row parts, whose sorts then fit in memory
 * instead of spilling to disk.
 */
export async function takeApplyLock(tx: Tx, { largeParts = false } = {}): Promise<void> {
  await tx.execute(sql`set local lock_timeout = '30s'`);
  if (largeParts) await tx.execute(sql`set local work_mem = '64MB'`);
  await tx.execute(sql`select pg_advisory_xact_lock(${SYNC_APPLY_LOCK})`);
}
