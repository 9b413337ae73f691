import { schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { failingFeed, upstreamRecord } from '@goated/testing/upstream';
import { asc, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { MAX_INGEST_RECORDS } from '../src/services/sync/pipeline';
import { SyncService } from '../src/services/sync/service';
import type { UpstreamSource } from '../src/services/sync/source';
import { createTestApi, insertUser, type TestApi } from './fixtures';

const T1 = '2026-01-01T10:00:00Z';
const ingestKey: ApiKeyIdentity = { id: 1, name: 'affiliate-push', scopes: ['ingest'], ownerId: null };
const botKey: ApiKeyIdentity = { id: 2, name: 'bot', scopes: ['bot'], ownerId: null };

describe.each(testBackends())('sync router on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let release: () => void = () => {};
  let entered: Promise<void>;

  /** A source that can be held inside its fetch, to have a run in progress on demand. */
  function holdableSource(): UpstreamSource & { hold(): void } {
    let holding = false;
    return {
      name: 'holdable',
      hold() {
        holding = true;
        let signalEntered: () => void = () => {};
        entered = new Promise((resolve) => {
          signalEntered = resolve;
        });
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        this.fetchRecords = async () => {
          signalEntered();
          if (holding) await gate;
          holding = false;
          return [upstreamRecord('a', 1, T1)];
        };
      },
      fetchRecords: async () => [upstreamRecord('a', 1, T1)],
    };
  }

  let source: ReturnType<typeof holdableSource>;

  // One database for the file, emptied before each test.
  beforeAll(async () => {
    t = await createTestApi(kind);
  }, 120_000);
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.deps.db.execute(sql`drop trigger if exists refuse_players on players`);
    await t.deps.db.execute(sql`drop function if exists refuse_players()`);
    await t.deps.db.execute(sql`truncate users, players, sync_runs, transformation_logs restart identity cascade`);
    admin = await insertUser(t.deps.db, { role: 'admin' });
    source = holdableSource();
    t.deps.sync = new SyncService({ db: t.deps.db, bus: t.deps.bus, source, intervalMs: 60_000 });
  });
  afterEach(() => t.deps.sync?.stop());

  it('runNow and status are for admins only', async () => {
    const user = await insertUser(t.deps.db);
    await expect(t.caller.sync.runNow()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ user }).sync.runNow()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.caller.sync.status()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ user }).sync.status()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A key is an identity: without the admin scope it is refused, not asked to sign in.
    await expect(t.callerAs({ apiKey: ingestKey }).sync.runNow()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('runNow runs the pipeline and returns its result', async () => {
    const result = await t.callerAs({ user: admin }).sync.runNow();
    expect(result).toMatchObject({ status: 'succeeded', trigger: 'manual', recordsIn: 1, changedPlayers: 1 });
  });

  it('runNow answers CONFLICT while a run is in progress', async () => {
    source.hold();
    const first = t.callerAs({ user: admin }).sync.runNow();
    await entered;
    await expect(t.callerAs({ user: admin }).sync.runNow()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('already running'),
    });
    release();
    await expect(first).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('status reports the last runs, the next run, a run in progress and the last error', async () => {
    const api = t.callerAs({ user: admin });
    const idle = await api.sync.status();
    expect(idle).toMatchObject({ source: 'holdable', scheduled: false, nextRunAt: null, running: false });
    expect(idle.lastRuns).toEqual([]);

    await api.sync.runNow();
    const failing = new SyncService({
      db: t.deps.db,
      bus: t.deps.bus,
      source: failingFeed('upstream answered 500'),
    });
    await failing.runOnce();
    source.hold();
    const inProgress = api.sync.runNow();
    await entered;
    const busy = await api.sync.status({ runs: 5 });
    expect(busy.running).toBe(true);
    expect(busy.lastRuns.map((r) => r.status)).toEqual(['running', 'failed', 'succeeded']);
    expect(busy.lastError).toMatchObject({ message: 'upstream answered 500' });
    expect(busy.lastSuccessAt).toBeInstanceOf(Date);
    release();
    await inProgress;

    t.deps.sync?.start();
    // The first scheduled run starts at once; the next one is due an interval after it ends.
    let scheduled = await api.sync.status();
    await waitFor(
      async () => {
        scheduled = await api.sync.status();
        return scheduled.nextRunAt !== null && scheduled.lastRuns.length === 4;
      },
      { label: 'the first scheduled run', timeoutMs: 20_000, intervalMs: 25 },
    );
    expect(scheduled).toMatchObject({ scheduled: true, intervalMs: 60_000 });
    expect(scheduled.nextRunAt?.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('ingest takes an API key with the ingest scope (or an admin) and refuses others', async () => {
    const batch = { records: [upstreamRecord('p1', '12.30', T1)] };
    await expect(t.caller.sync.ingest(batch)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ apiKey: botKey }).sync.ingest(batch)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const user = await insertUser(t.deps.db);
    await expect(t.callerAs({ user }).sync.ingest(batch)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const pushed = await t.callerAs({ apiKey: ingestKey }).sync.ingest(batch);
    expect(pushed).toMatchObject({
      status: 'succeeded',
      trigger: 'ingest',
      source: 'ingest:key:affiliate-push',
      changedPlayers: 1,
    });
    await expect(t.callerAs({ user: admin }).sync.ingest(batch)).resolves.toMatchObject({ changedPlayers: 0 });
  });

  it('ingest validates each record like a pulled run: bad ones reported and skipped, good ones applied, once', async () => {
    const api = t.callerAs({ apiKey: ingestKey });
    const records = [
      upstreamRecord('p1', 5, T1),
      { uid: 'p2', name: 'No wagers' },
      upstreamRecord('p3', '7.25', T1),
    ] as Parameters<typeof api.sync.ingest>[0]['records'];
    const pushed = await api.sync.ingest({ records });
    expect(pushed).toMatchObject({ status: 'succeeded', recordsIn: 3, recordsOut: 2, recordsSkipped: 1 });
    expect(pushed.rejected).toEqual([{ index: 1, uid: 'p2', reason: expect.stringContaining('wagered') }]);
    const again = await api.sync.ingest({ records });
    expect(again.changedPlayers).toBe(0);
    const rows = await t.deps.db.select().from(schema.players).orderBy(asc(schema.players.uid));
    expect(rows.map((p) => [p.uid, p.wagerAllTime])).toEqual([
      ['p1', '5.00'],
      ['p3', '7.25'],
    ]);
    const runs = await t.deps.db.select().from(schema.syncRuns);
    expect(runs.map((r) => [r.trigger, r.status, r.recordsSkipped])).toEqual([
      ['ingest', 'succeeded', 1],
      ['ingest', 'succeeded', 1],
    ]);
    const logs = await t.deps.db.select().from(schema.transformationLogs);
    expect(logs.map((l) => l.type)).toEqual(['warning', 'warning']);
  });

  it('ingest refuses an empty or oversized batch with BAD_REQUEST', async () => {
    const api = t.callerAs({ apiKey: ingestKey });
    await expect(api.sync.ingest({ records: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const tooMany = Array.from({ length: MAX_INGEST_RECORDS + 1 }, (_, i) => upstreamRecord(`u${i}`, 1, T1));
    await expect(api.sync.ingest({ records: tooMany })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('ingest answers INTERNAL_SERVER_ERROR when the batch cannot be applied, and logs why', async () => {
    await t.deps.db.execute(sql`
      create function refuse_players() returns trigger language plpgsql as $$
      begin raise exception 'tablespace full'; end $$`);
    await t.deps.db.execute(
      sql`create trigger refuse_players before insert on players for each row execute function refuse_players()`,
    );
    const error = await t
      .callerAs({ apiKey: ingestKey })
      .sync.ingest({ records: [upstreamRecord('p1', 1, T1)] })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    const logs = await t.deps.db.select().from(schema.transformationLogs);
    expect(logs.map((l) => [l.type, l.message])).toEqual([
      ['error', 'Ingest from ingest:key:affiliate-push failed: tablespace full'],
    ]);
    expect(await t.deps.db.select().from(schema.syncRuns)).toEqual([]);
  });

  it('answers PRECONDITION_FAILED where no pipeline runs', async () => {
    t.deps.sync = undefined;
    await expect(t.callerAs({ user: admin }).sync.status()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });
});
