/**
 * What the sync pipeline's tests share: one database per file and backend, emptied before each
 * test (creating one per test costs seconds on a busy machine), and a fake feed of its own per
 * test, so a slow request of one test can never reach another's replies.
 */
import { type DbHandle, type DbKind, schema } from '@goated/db';
import { createTestDb } from '@goated/testing/db';
import { type FakeUpstream, startFakeUpstream } from '@goated/testing/upstream';
import { asc, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createInProcessBus } from '../../src/events/in-process';
import { HttpUpstream } from '../../src/services/sync/http-source';
import { SYNC_RUN_LOCK } from '../../src/services/sync/locks';
import { SyncService, type SyncServiceOptions } from '../../src/services/sync/service';
import type { UpstreamSource } from '../../src/services/sync/source';

const { players, transformationLogs } = schema;

export const T1 = '2026-01-01T10:00:00Z';
export const T2 = '2026-01-01T11:00:00Z';

/** A source that stops inside its fetch until the test lets it go. */
export function gatedSource(records: unknown[]) {
  let open: () => void = () => {};
  let entered: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const source: UpstreamSource = {
    name: 'gated',
    fetchRecords: async () => {
      entered();
      await gate;
      return records;
    },
  };
  return { source, open: () => open(), inside };
}

export const fixed = (records: unknown[], name = 'fixed'): UpstreamSource => ({
  name,
  fetchRecords: async () => records,
});

/** Registers the hooks of a pipeline test file's `describe` on `kind`; read the rest through it. */
export function pipelineSuite(kind: DbKind) {
  let feed: FakeUpstream;
  let handle: DbHandle;
  const bus = createInProcessBus();

  beforeAll(async () => {
    handle = await createTestDb(kind);
  }, 120_000);
  afterAll(() => handle.close());
  beforeEach(async () => {
    await handle.db.execute(sql`drop trigger if exists fail_on_boom on players`);
    await handle.db.execute(sql`drop function if exists fail_on_boom()`);
    await handle.db.execute(
      sql`truncate players, player_wager_days, sync_runs, transformation_logs, races restart identity cascade`,
    );
    feed = await startFakeUpstream();
  });
  afterEach(() => feed.close());

  const feedUrl = () => feed.url;
  return {
    get handle() {
      return handle;
    },
    get feed() {
      return feed;
    },
    bus,
    requests: () => feed.requests,
    feedUrl,
    http: (timeoutMs = 10_000) => new HttpUpstream({ url: feedUrl(), timeoutMs, retries: 2, retryBaseMs: 5 }),
    pipeline: (source: UpstreamSource, extra: Partial<SyncServiceOptions> = {}) =>
      new SyncService({
        db: handle.db,
        bus,
        source,
        tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
        ...extra,
      }),
    logs: () => handle.db.select().from(transformationLogs).orderBy(asc(transformationLogs.id)),
    totals: async () =>
      Object.fromEntries(
        (await handle.db.select().from(players).orderBy(asc(players.uid))).map((p) => [p.uid, p.wagerAllTime]),
      ),
  };
}
