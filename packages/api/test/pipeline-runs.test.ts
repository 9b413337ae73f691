/**
 * The sync pipeline's runs: the run guard (in one process and across instances), runs a dead
 * process left behind, what is published after a run, the schedule, pruning, pushed batches.
 */
import { createDb, type DbHandle, type DbKind, schema } from '@goated/db';
import { createTestDatabaseUrl, createTestDb, testBackends } from '@goated/testing/db';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvents } from '../src/events/bus';
import { createInProcessBus } from '../src/events/in-process';
import { HttpUpstream } from '../src/services/sync/http-source';
import { SYNC_RUN_LOCK } from '../src/services/sync/locks';
import { SyncService } from '../src/services/sync/service';
import type { UpstreamSource } from '../src/services/sync/source';
import { fixed, gatedSource, pipelineSuite, T1, T2 } from './support/pipeline-suite';

const { players, syncRuns, transformationLogs, races } = schema;

describe.each(testBackends())('sync pipeline on %s: runs', (kind) => {
  const t = pipelineSuite(kind);
  const { pipeline, logs, totals, requests, feedUrl } = t;

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

  it('marks a run left "running" by a dead process as interrupted on the next run', async () => {
    const [orphan] = await t.handle.db
      .insert(syncRuns)
      .values({ trigger: 'schedule', source: 'crashed' })
      .returning({ id: syncRuns.id });
    const result = await pipeline(fixed([upstreamRecord('a', 1, T1)])).runOnce();
    expect(result.status).toBe('succeeded');
    const [run] = await t.handle.db
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
    const [live] = await t.handle.db
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
    await t.handle.db.insert(races).values({
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
      db: t.handle.db,
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

    t.feed.reply({ hang: true });
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
    await t.handle.db.insert(transformationLogs).values([
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
