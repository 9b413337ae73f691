import { type Db, schema } from '@goated/db';
import type { EventBus } from '../../events/bus';
import type { SyncRunResult } from './results';
import { SyncService } from './service';
import type { UpstreamSource } from './source';

export interface SyncDeps {
  db: Db;
  bus: EventBus;
  /** The server's pipeline, when there is one: its run lock then covers this run too. */
  sync?: SyncService | undefined;
}

/**
 * One pulled run from `source` (see `SyncService.runOnce`): skipped when another run holds the
 * lock, never throws.
 */
export function runSync(
  deps: SyncDeps,
  source: UpstreamSource,
  trigger: 'schedule' | 'manual' = 'schedule',
): Promise<SyncRunResult> {
  const service = deps.sync ?? new SyncService({ db: deps.db, bus: deps.bus, source });
  return service.runOnce(trigger, source);
}

/** The database's current players in the upstream format: where the simulator continues from. */
export async function loadPlayerRecords(db: Db) {
  const rows = await db.select().from(schema.players);
  return rows.map((p) => ({
    uid: p.uid,
    name: p.name,
    wagered: { today: p.wagerToday, this_week: p.wagerWeek, this_month: p.wagerMonth, all_time: p.wagerAllTime },
    updated_at: p.upstreamUpdatedAt.toISOString(),
  }));
}
