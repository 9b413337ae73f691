/**
 * A separate process that runs one sync against CHILD_DATABASE_URL and prints its result. The
 * crash test SIGKILLs it in the middle of its transaction.
 */
import { createDb } from '@goated/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { createInProcessBus } from '../../src/events/in-process';
import { SYNC_RUN_LOCK } from '../../src/services/sync/locks';
import { SyncService } from '../../src/services/sync/service';

const url = process.env.CHILD_DATABASE_URL;
if (!url) throw new Error('CHILD_DATABASE_URL is required');
const amount = process.env.CHILD_AMOUNT ?? '20';
const at = process.env.CHILD_AT ?? '2026-01-01T11:00:00Z';

const handle = await createDb({ databaseUrl: url, poolMax: 2, migrate: false });
const records = Array.from({ length: 10 }, (_, i) => upstreamRecord(`u${i}`, amount, at));
const service = new SyncService({
  db: handle.db,
  bus: createInProcessBus(),
  source: { name: 'child', fetchRecords: async () => records },
  tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
  chunkSize: 3,
});
const result = await service.runOnce('manual');
console.log(JSON.stringify(result));
await handle.close();
