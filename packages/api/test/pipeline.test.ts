/**
 * The sync pipeline against a local fake of the affiliate's feed: every fault the upstream
 * can throw at it, idempotence, stale data, the run guard across instances, and a run that
 * dies inside its transaction.
 */
import { createDb, type DbHandle, type DbKind, schema } from '@goated/db';
import { createTestDatabaseUrl, createTestDb, testBackends } from '@goated/testing/db';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvents } from '../src/events/bus';
import { createInProcessBus } from '../src/events/in-process';
import { HttpUpstream } from '../src/services/sync/http-source';
import { SYNC_RUN_LOCK, SyncService, type SyncServiceOptions } from '../src/services/sync/service';
import type { UpstreamSource } from '../src/services/sync/source';

const { players, playerWagerDays, syncRuns, transformationLogs, races } = schema;
const T1 = '2026-01-01T10:00:00Z';
const T2 = '2026-01-01T11:00:00Z';

/** A source that stops inside its fetch until the test lets it go. */
function gatedSource(records: unknown[]) {
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

const fixed = (records: unknown[], name = 'fixed'): UpstreamSource => ({ name, fetchRecords: async () => records });

describe.each(testBackends())('sync pipeline on %s', (kind) => {
  let feed: FakeUpstream;
  let handle: DbHandle;
  const bus = createInProcessBus();

  // One database for the file, emptied before each test (creating one per test costs seconds
  // on a busy machine); a feed of its own per test, so a slow request of one test can never
  // reach another's replies.
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

  const requests = () => feed.requests;
  const feedUrl = () => feed.url;
  const http = (timeoutMs = 10_000) => new HttpUpstream({ url: feedUrl(), timeoutMs, retries: 2, retryBaseMs: 5 });
  const pipeline = (source: UpstreamSource, extra: Partial<SyncServiceOptions> = {}) =>
    new SyncService({
      db: handle.db,
      bus,
      source,
      tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
      ...extra,
    });
  const logs = () => handle.db.select().from(transformationLogs).orderBy(asc(transformationLogs.id));
  const totals = async () =>
    Object.fromEntries(
      (await handle.db.select().from(players).orderBy(asc(players.uid))).map((p) => [p.uid, p.wagerAllTime]),
    );

  it('retries an upstream 5xx, logs each failed attempt as a warning, then applies the feed', async () => {
    feed.reply({ status: 503, raw: 'down for maintenance' }, { json: [upstreamRecord('a', '10.50', T1)] });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 1, recordsOut: 1, changedPlayers: 1 });
    expect(await totals()).toEqual({ a: '10.50' });
    const entries = await logs();
    expect(entries.map((e) => e.type)).toEqual(['warning', 'info']);
    expect(entries[0]?.message).toMatch(/attempt 1 of 3 failed: .*HTTP 503: down for maintenance; retrying/);
    expect(entries[0]?.runId).toBe(result.runId);
  });

  it('fails a run whose feed times out on every attempt, keeps the data, and runs again later', async () => {
    await pipeline(fixed([upstreamRecord('a', 5, T1)])).runOnce();
    feed.reply({ hang: true });
    const service = pipeline(http(500));
    const failed = await service.runOnce();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.error).toMatch(/did not answer within 500 ms/);
    expect(await totals()).toEqual({ a: '5.00' });
    const types = (await logs()).map((e) => e.type);
    expect(types).toEqual(['info', 'warning', 'warning', 'error']);
    const [run] = await handle.db.select().from(syncRuns).where(eq(syncRuns.id, failed.runId));
    expect(run).toMatchObject({ status: 'failed', error: failed.error });

    feed.reply({ json: [upstreamRecord('a', 6, T2)] });
    expect(await service.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: 1 });
  });

  it('fails at once, without retrying, on malformed JSON', async () => {
    feed.reply({ raw: '[{"uid": "a", "name": "Lucky", "wagered": {' });
    const result = await pipeline(http()).runOnce();
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/malformed JSON/);
    expect(requests()).toHaveLength(1);
    const entries = await logs();
    expect(entries.map((e) => e.type)).toEqual(['error']);
    expect(entries[0]?.details).toMatchObject({ kind: 'malformed', retryable: false });
  });

  it('fails at once on a response of the wrong shape', async () => {
    feed.reply({ json: { players: 12 } });
    const result = await pipeline(http()).runOnce();
    expect(result.error).toMatch(/wrong shape/);
    expect(requests()).toHaveLength(1);
    expect((await logs()).map((e) => e.type)).toEqual(['error']);
  });

  it('applies nothing and logs an error when every record has the wrong schema', async () => {
    feed.reply({
      json: [
        { id: 1, user: 'x', wager: 5 },
        { id: 2, user: 'y', wager: 7 },
      ],
    });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'failed', recordsIn: 2, recordsSkipped: 2 });
    expect(result.error).toMatch(/all 2 records were invalid .*has the upstream format changed/);
    expect(await totals()).toEqual({});
    const [entry] = await logs();
    expect(entry).toMatchObject({ type: 'error', recordsIn: 2, recordsSkipped: 2 });
  });

  it('applies the good records of a partly bad batch and logs each bad one with its reason', async () => {
    feed.reply({
      json: [
        upstreamRecord('good1', '1.005', T1),
        { uid: 'neg', name: 'Negative', wagered: { today: -1, this_week: 0, this_month: 0, all_time: 0 } },
        upstreamRecord('good2', 2, T1),
        {
          uid: 'nodate',
          name: 'x',
          wagered: { today: 1, this_week: 1, this_month: 1, all_time: 1 },
          updated_at: 'soon',
        },
        'not a record',
      ],
    });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 5, recordsOut: 2, recordsSkipped: 3 });
    expect(result.rejected.map((r) => [r.index, r.uid])).toEqual([
      [1, 'neg'],
      [3, 'nodate'],
      [4, null],
    ]);
    expect(await totals()).toEqual({ good1: '1.01', good2: '2.00' });
    const [entry] = await logs();
    expect(entry).toMatchObject({ type: 'warning', recordsIn: 5, recordsOut: 2, recordsSkipped: 3 });
    expect(entry?.message).toMatch(/skipped 3 invalid/);
    const reasons = JSON.stringify(entry?.details);
    expect(reasons).toContain('wagered.today');
    expect(reasons).toContain('updated_at');
  });

  it('is idempotent: the same feed twice changes nothing, in totals or history', async () => {
    const records = [upstreamRecord('a', '100.10', T1), upstreamRecord('b', 7, T1)];
    feed.reply({ json: records });
    const service = pipeline(http());
    expect(await service.runOnce()).toMatchObject({ changedPlayers: 2 });
    const before = {
      players: await handle.db.select().from(players).orderBy(asc(players.uid)),
      days: await handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.playerUid)),
    };
    const again = await service.runOnce();
    expect(again).toMatchObject({ status: 'succeeded', changedPlayers: 0, recordsOut: 2 });
    expect(await handle.db.select().from(players).orderBy(asc(players.uid))).toEqual(before.players);
    expect(await handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.playerUid))).toEqual(before.days);
  });

  it('does not send records it knows to be unchanged, and sends the ones that moved', async () => {
    const service = pipeline(fixed([]));
    const feed1 = ['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 10, T1));
    expect(await service.runOnce('schedule', fixed(feed1))).toMatchObject({ changedPlayers: 3, knownUnchanged: 0 });
    const same = await service.runOnce('schedule', fixed(feed1.map((r) => ({ ...r, updated_at: T2 }))));
    expect(same).toMatchObject({ status: 'succeeded', recordsOut: 3, changedPlayers: 0, knownUnchanged: 3 });
    const moved = [upstreamRecord('a', 10, T2), upstreamRecord('b', 11, T2), upstreamRecord('c', 10, T2)];
    expect(await service.runOnce('schedule', fixed(moved))).toMatchObject({ changedPlayers: 1, knownUnchanged: 2 });
    expect(await totals()).toEqual({ a: '10.00', b: '11.00', c: '10.00' });
  });

  it('does not trust what it knew once another writer has committed in between', async () => {
    const one = pipeline(fixed([upstreamRecord('a', 10, T1)]));
    const other = pipeline(fixed([]));
    await one.runOnce();
    // Another instance (here: another service on the same database) pushes a newer figure...
    await other.ingest([upstreamRecord('a', 99, '2026-01-01T10:30:00Z')], 'ingest:test');
    // ...and upstream then reports a=10 again, later still: it must win, so it must be sent.
    const again = await one.runOnce('schedule', fixed([upstreamRecord('a', 10, T2)]));
    expect(again).toMatchObject({ changedPlayers: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
    // The same holds for a batch pushed through the same service.
    await one.ingest([upstreamRecord('a', 50, '2026-01-01T11:30:00Z')], 'ingest:test');
    const after = await one.runOnce('schedule', fixed([upstreamRecord('a', 10, '2026-01-01T12:00:00Z')]));
    expect(after).toMatchObject({ changedPlayers: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
  });

  it('keeps sending a stale record rather than remembering it as stored', async () => {
    const service = pipeline(fixed([upstreamRecord('a', 10, T2)]));
    await service.runOnce();
    const late = fixed([upstreamRecord('a', 5, T1)]);
    expect(await service.runOnce('schedule', late)).toMatchObject({ staleRecords: 1, knownUnchanged: 0 });
    expect(await service.runOnce('schedule', late)).toMatchObject({ staleRecords: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
  });

  it('ignores stale records (older than stored) while applying the newer ones of the same batch', async () => {
    feed.reply(
      { json: [upstreamRecord('a', 500, T2), upstreamRecord('b', 100, T1)] },
      { json: [upstreamRecord('a', 400, T1), upstreamRecord('b', 150, T2)] },
    );
    const service = pipeline(http());
    await service.runOnce();
    const late = await service.runOnce();
    expect(late).toMatchObject({ status: 'succeeded', changedPlayers: 1, staleRecords: 1 });
    expect(await totals()).toEqual({ a: '500.00', b: '150.00' });
    const entries = await logs();
    expect(entries.at(-1)?.message).toMatch(/1 older than stored, ignored/);
  });

  it('keeps yesterday in the history when a late snapshot of yesterday arrives after today', async () => {
    const service = pipeline(fixed([upstreamRecord('a', 30, '2026-01-02T09:00:00Z')]));
    await service.runOnce();
    await service.runOnce('schedule', fixed([upstreamRecord('a', 25, '2026-01-01T23:59:00Z')]));
    expect(await totals()).toEqual({ a: '30.00' });
    const days = await handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.day));
    expect(days.map((d) => [d.day, d.wagered])).toEqual([
      ['2026-01-01', '25.00'],
      ['2026-01-02', '30.00'],
    ]);
  });

  it('lets one of two concurrent triggers run; the other reports "already running"', async () => {
    const gated = gatedSource([upstreamRecord('a', 1, T1)]);
    const service = pipeline(gated.source);
    const first = service.runOnce('schedule');
    await gated.inside;
    const second = await service.runNow().catch((err: unknown) => err);
    expect(second).toMatchObject({ code: 'CONFLICT' });
    gated.open();
    expect(await first).toMatchObject({ status: 'succeeded' });
    expect(await service.runOnce('manual')).toMatchObject({ status: 'succeeded' });
  });

  it('rolls back a run that fails halfway through its transaction: no partial state', async () => {
    const service = pipeline(fixed([]), { chunkSize: 2 });
    await service.runOnce('schedule', fixed(['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 10, T1))));
    const before = { totals: await totals(), days: await handle.db.select().from(playerWagerDays) };
    // A fault inside the database on the fourth player, in the second statement of the batch
    // (chunks of two, sorted by uid), after the first statement updated a and b.
    await handle.db.execute(sql`
      create function fail_on_boom() returns trigger language plpgsql as $$
      begin
        if new.uid = 'boom' then raise exception 'disk on fire while writing %', new.uid; end if;
        return new;
      end $$`);
    await handle.db.execute(
      sql`create trigger fail_on_boom before insert on players for each row execute function fail_on_boom()`,
    );
    const feedWithBoom = ['a', 'b', 'boom', 'c'].map((uid) => upstreamRecord(uid, 20, T2));
    const result = await service.runOnce('schedule', fixed(feedWithBoom));
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/disk on fire/);
    expect(await totals()).toEqual(before.totals);
    expect(await handle.db.select().from(playerWagerDays)).toEqual(before.days);
    const entries = await logs();
    expect(entries.at(-1)).toMatchObject({ type: 'error', runId: result.runId });
  });

  it('writes a feed in parts: rejections keep their feed positions, a repeated uid keeps its latest record', async () => {
    const service = pipeline(fixed([]), { chunkSize: 2 });
    const feedInParts = [
      upstreamRecord('a', 1, T1),
      { uid: 'bad-1', name: 'x', wagered: 'lots' },
      upstreamRecord('b', 2, T1),
      upstreamRecord('c', 3, T1),
      { uid: 'bad-2' },
      upstreamRecord('d', 4, T1),
    ];
    const result = await service.runOnce('schedule', fixed(feedInParts));
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 6, recordsOut: 4, changedPlayers: 4 });
    expect(result.rejected.map((r) => [r.index, r.uid])).toEqual([
      [1, 'bad-1'],
      [4, 'bad-2'],
    ]);
    expect(await totals()).toEqual({ a: '1.00', b: '2.00', c: '3.00', d: '4.00' });

    // `a` twice, in different parts, the later record older: the newest one wins, counted once.
    const repeated = [upstreamRecord('a', 50, T2), upstreamRecord('b', 5, T2), upstreamRecord('a', 40, T1)];
    const again = await service.runOnce('schedule', fixed(repeated));
    expect(again).toMatchObject({ status: 'succeeded', changedPlayers: 2, staleRecords: 0 });
    expect(await totals()).toEqual({ a: '50.00', b: '5.00', c: '3.00', d: '4.00' });
  });

  it('marks a run left "running" by a dead process as interrupted on the next run', async () => {
    const [orphan] = await handle.db
      .insert(syncRuns)
      .values({ trigger: 'schedule', source: 'crashed' })
      .returning({ id: syncRuns.id });
    const result = await pipeline(fixed([upstreamRecord('a', 1, T1)])).runOnce();
    expect(result.status).toBe('succeeded');
    const [run] = await handle.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.id, orphan?.id ?? 0));
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
    const entries = await logs();
    expect(entries[0]).toMatchObject({ type: 'error', runId: orphan?.id });
    expect(entries[0]?.message).toMatch(/was interrupted before it finished; none of its changes were applied/);
  });

  it('publishes the log entry, the leaderboard change, and each live race whose days moved', async () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const [live] = await handle.db
      .insert(races)
      .values({
        name: 'New Year race',
        startsAt: new Date('2025-12-31T00:00:00Z'),
        endsAt: new Date('2026-01-03T00:00:00Z'),
        prizePool: '100.00',
        prizeSplit: ['100.00'],
        status: 'live',
      })
      .returning({ id: races.id });
    await handle.db.insert(races).values({
      name: 'Last year',
      startsAt: new Date('2025-12-01T00:00:00Z'),
      endsAt: new Date('2025-12-08T00:00:00Z'),
      prizePool: '100.00',
      prizeSplit: ['100.00'],
      status: 'live',
    });
    const events: { topic: keyof AppEvents; payload: unknown }[] = [];
    const localBus = createInProcessBus();
    for (const topic of ['log.created', 'leaderboard.changed', 'race.changed'] as const) {
      localBus.subscribe(topic, (payload) => events.push({ topic, payload }));
    }
    const service = new SyncService({
      db: handle.db,
      bus: localBus,
      source: fixed([upstreamRecord('a', 3, T1), upstreamRecord('b', 4, T1)]),
      now: () => now,
    });
    await service.runOnce();
    const [entry] = await logs();
    expect(events).toEqual([
      { topic: 'log.created', payload: expect.objectContaining({ id: entry?.id, type: 'info' }) },
      { topic: 'leaderboard.changed', payload: expect.objectContaining({ changedPlayers: 2 }) },
      { topic: 'race.changed', payload: expect.objectContaining({ raceId: live?.id, status: 'live' }) },
    ]);
    events.length = 0;
    await service.runOnce();
    expect(events.map((e) => e.topic)).toEqual(['log.created']);
  });

  it('keeps its schedule through failures, and stop() aborts a hung fetch', async () => {
    let calls = 0;
    const flaky: UpstreamSource = {
      name: 'flaky',
      fetchRecords: async () => {
        calls++;
        if (calls <= 2) throw new Error(`upstream exploded (${calls})`);
        return [upstreamRecord('a', calls, T1)];
      },
    };
    const results: string[] = [];
    const service = pipeline(flaky, { intervalMs: 20, onResult: (r) => results.push(r.status) });
    service.start();
    const deadline = Date.now() + 10_000;
    while (!results.includes('succeeded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await service.stop();
    expect(results.slice(0, 3)).toEqual(['failed', 'failed', 'succeeded']);
    const status = await service.status();
    expect(status.lastError?.message).toBe('upstream exploded (2)');
    expect(status.lastSuccessAt).toBeInstanceOf(Date);

    feed.reply({ hang: true });
    const hung = pipeline(new HttpUpstream({ url: feedUrl(), timeoutMs: 60_000, retries: 0 }));
    const pending = hung.runOnce();
    while (requests().length === 0) await new Promise((r) => setTimeout(r, 10));
    const stopAt = Date.now();
    await hung.stop();
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(await pending).toMatchObject({ status: 'failed', error: 'stopped: the server is shutting down' });
    expect((await logs()).at(-1)).toMatchObject({ type: 'warning' });
  });

  it('prunes log entries older than the retention period', async () => {
    const service = pipeline(fixed([upstreamRecord('a', 1, T1)]), { logRetentionDays: 7 });
    await service.runOnce();
    await handle.db.insert(transformationLogs).values([
      { type: 'info', message: 'old', createdAt: new Date(Date.now() - 8 * 86_400_000) },
      { type: 'info', message: 'recent', createdAt: new Date(Date.now() - 6 * 86_400_000) },
    ]);
    expect(await service.prune()).toMatchObject({ logs: 1 });
    expect((await logs()).map((e) => e.message)).not.toContain('old');
    expect((await logs()).map((e) => e.message)).toContain('recent');
  });

  it('applies a pushed batch while a pulled run is in progress, one transaction after the other', async () => {
    const gated = gatedSource([upstreamRecord('a', 1, T1), upstreamRecord('b', 1, T1)]);
    const service = pipeline(gated.source);
    const run = service.runOnce();
    await gated.inside;
    const pushed = await service.ingest([upstreamRecord('b', 9, T2), upstreamRecord('c', 3, T2)], 'ingest:test');
    expect(pushed).toMatchObject({ status: 'succeeded', trigger: 'ingest', changedPlayers: 2 });
    gated.open();
    expect(await run).toMatchObject({ status: 'succeeded', staleRecords: 1 });
    // b's pushed figures are newer than the pulled ones: they stay.
    expect(await totals()).toEqual({ a: '1.00', b: '9.00', c: '3.00' });
  });
});

/**
 * Two pipeline instances on one database: on PostgreSQL two separate connection pools (as two
 * server processes would have), so the guard is the real advisory lock between sessions.
 */
describe.each(testBackends())('two pipeline instances on one %s database', (kind: DbKind) => {
  let a: DbHandle;
  let b: DbHandle;
  let feed: FakeUpstream;
  let drop: () => Promise<void> = async () => {};

  beforeEach(async () => {
    feed = await startFakeUpstream();
    if (kind === 'postgres') {
      const created = await createTestDatabaseUrl();
      drop = created.drop;
      a = await createDb({ databaseUrl: created.url, poolMax: 3 });
      b = await createDb({ databaseUrl: created.url, poolMax: 3, migrate: false });
    } else {
      // PGlite is one session in one process: both instances share it, and the lock is in memory.
      a = await createTestDb('pglite');
      b = a;
    }
  }, 120_000);
  afterEach(async () => {
    await feed.close();
    if (b !== a) await b.close();
    await a.close();
    await drop();
  });

  it('never run at once: the loser reports "already running", and nothing is counted twice', async () => {
    const records = [upstreamRecord('a', '10.00', T1), upstreamRecord('b', '20.00', T1)];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first fetch is held open by the feed until the test lets go; later ones answer at once.
    feed.reply({ json: records, until: held }, { json: records });
    const bus = createInProcessBus();
    const instance = (handle: DbHandle) =>
      new SyncService({
        db: handle.db,
        bus,
        source: new HttpUpstream({ url: feed.url, timeoutMs: 60_000, retries: 0 }),
        tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
      });
    const one = instance(a);
    const two = instance(b);
    const first = one.runOnce();
    while (feed.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const loser = await two.runOnce();
    expect(loser).toMatchObject({ status: 'skipped', error: 'already running' });
    expect(feed.requests).toHaveLength(1);
    release();
    expect(await first).toMatchObject({ status: 'succeeded', changedPlayers: 2 });
    // The lock is free again: the other instance runs, and the same feed changes nothing.
    expect(await two.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: 0 });
    const rows = await b.db.select().from(players).orderBy(asc(players.uid));
    expect(rows.map((p) => [p.uid, p.wagerAllTime])).toEqual([
      ['a', '10.00'],
      ['b', '20.00'],
    ]);
    const runs = await a.db.select().from(syncRuns);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
