import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { failingFeed, movingFeed } from '@goated/testing/upstream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry, SessionUser } from '../src/server';
import { SyncService } from '../src/services/sync/service';
import { createTestApi, insertUser, type TestApi } from './fixtures';

type Tracked = { id: string; data: LogEntry };

/**
 * A streamed entry as `{ id, data }`. Clients receive that shape; the server-side caller hands
 * out tRPC's internal envelope (`[id, data, symbol]`) under the same static type.
 */
function read(value: Tracked): Tracked {
  const raw: unknown = value;
  if (Array.isArray(raw)) return { id: String(raw[0]), data: raw[1] as LogEntry };
  return value;
}

/** The next value of an async iterator, or 'timeout' if none comes within `ms`. */
function nextWithin<T>(pending: Promise<IteratorResult<T>>, ms: number): Promise<IteratorResult<T> | 'timeout'> {
  return Promise.race([pending, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

describe.each(testBackends())('transformation logs on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let sync: SyncService;

  // One database for the file, emptied before each test.
  beforeAll(async () => {
    t = await createTestApi(kind);
  }, 120_000);
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.deps.db.execute(sql`truncate users, players, sync_runs, transformation_logs restart identity cascade`);
    admin = await insertUser(t.deps.db, { role: 'admin' });
    sync = new SyncService({ db: t.deps.db, bus: t.deps.bus, source: movingFeed() });
    t.deps.sync = sync;
  });

  const adminCaller = () => t.callerAs({ user: admin });

  it('refuses logs.list and logs.onLog to anonymous callers and to non-admins', async () => {
    const user = await insertUser(t.deps.db);
    await expect(t.caller.logs.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ user }).logs.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.caller.logs.onLog({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.callerAs({ user }).logs.onLog({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lists entries newest first, filtered by type and time, page by page without gaps', async () => {
    const base = Date.now() - 60_000;
    await t.deps.db.insert(schema.transformationLogs).values(
      Array.from({ length: 7 }, (_, i) => ({
        type: i % 3 === 0 ? ('error' as const) : ('info' as const),
        message: `entry ${i}`,
        createdAt: new Date(base + i * 1000),
      })),
    );
    const api = adminCaller();
    const first = await api.logs.list({ limit: 3 });
    expect(first.entries.map((e) => e.message)).toEqual(['entry 6', 'entry 5', 'entry 4']);
    const second = await api.logs.list({ limit: 3, cursor: first.nextCursor });
    const third = await api.logs.list({ limit: 3, cursor: second.nextCursor });
    expect([...second.entries, ...third.entries].map((e) => e.message)).toEqual([
      'entry 3',
      'entry 2',
      'entry 1',
      'entry 0',
    ]);
    expect(third.nextCursor).toBeNull();

    const errors = await api.logs.list({ type: 'error' });
    expect(errors.entries.map((e) => e.message)).toEqual(['entry 6', 'entry 3', 'entry 0']);
    const window = await api.logs.list({ since: new Date(base + 2000), until: new Date(base + 5000) });
    expect(window.entries.map((e) => e.message)).toEqual(['entry 4', 'entry 3', 'entry 2']);
    await expect(api.logs.list({ limit: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('streams entries live; a client that reconnects with lastEventId gets exactly what it missed, in order, then live ones', async () => {
    const api = adminCaller();
    const live = (await api.logs.onLog({}))[Symbol.asyncIterator]();
    const firstEntry = live.next();
    await sync.runOnce();
    const received = await firstEntry;
    if (received.done) throw new Error('the stream ended');
    const { id: lastEventId, data: entry } = read(received.value);
    expect(entry).toMatchObject({ type: 'info', id: Number(lastEventId) });
    // Disconnect: the client goes away.
    await live.return?.();

    const missed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await sync.runOnce();
      const [row] = await t.deps.db
        .select({ id: schema.transformationLogs.id })
        .from(schema.transformationLogs)
        .where(eq(schema.transformationLogs.runId, result.runId));
      if (row) missed.push(row.id);
    }
    expect(missed).toHaveLength(3);

    const resumed = (await api.logs.onLog({ lastEventId }))[Symbol.asyncIterator]();
    const replayed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await nextWithin(resumed.next(), 5_000);
      if (next === 'timeout' || next.done) throw new Error(`replay stopped after ${i} entries`);
      const { id, data } = read(next.value);
      expect(id).toBe(String(data.id));
      replayed.push(data.id);
    }
    expect(replayed).toEqual(missed);

    // Nothing more until something new happens; then the new entry arrives live.
    const pending = resumed.next();
    expect(await nextWithin(pending, 300)).toBe('timeout');
    await sync.runOnce();
    const fresh = await nextWithin(pending, 5_000);
    if (fresh === 'timeout' || fresh.done) throw new Error('no live entry after the replay');
    expect(read(fresh.value).data.id).toBeGreaterThan(missed[2] ?? 0);
    await resumed.return?.();
  });

  it('filters the stream by type, replay included', async () => {
    const api = adminCaller();
    await sync.runOnce();
    const failing = new SyncService({
      db: t.deps.db,
      bus: t.deps.bus,
      source: failingFeed('upstream said no'),
    });
    await failing.runOnce();
    await sync.runOnce();
    const errors = (await api.logs.onLog({ type: 'error', lastEventId: '0' }))[Symbol.asyncIterator]();
    const first = await nextWithin(errors.next(), 5_000);
    if (first === 'timeout' || first.done) throw new Error('no error entry replayed');
    expect(read(first.value).data).toMatchObject({
      type: 'error',
      message: expect.stringContaining('upstream said no'),
    });
    // The info entries of the other runs never arrive; the next error does.
    const pending = errors.next();
    expect(await nextWithin(pending, 300)).toBe('timeout');
    await failing.runOnce();
    const second = await nextWithin(pending, 5_000);
    if (second === 'timeout' || second.done) throw new Error('no live error entry');
    expect(read(second.value).data.type).toBe('error');
    await errors.return?.();
  });

  it('searches messages (literally, any case) in the list and in the live tail, and pages back', async () => {
    const api = adminCaller();
    for (let i = 0; i < 3; i++) await sync.runOnce();
    const broken = (reason: string) =>
      new SyncService({
        db: t.deps.db,
        bus: t.deps.bus,
        source: {
          name: 'broken',
          fetchRecords: async () => {
            throw new Error(reason);
          },
        },
      });
    await broken('Token EXPIRED 100%').runOnce();
    await broken('timeout').runOnce();
    const found = await api.logs.list({ search: 'token expired', limit: 1 });
    expect(found.entries.map((e) => e.message)).toEqual([expect.stringContaining('Token EXPIRED 100%')]);
    expect(found.nextCursor).toBeNull();
    expect((await api.logs.list({ search: '100%' })).entries).toHaveLength(1);
    expect((await api.logs.list({ search: '1_0' })).entries).toHaveLength(0);
    const synced = await api.logs.list({ search: 'moving', type: 'info', limit: 2 });
    expect(synced.entries).toHaveLength(2);
    const older = await api.logs.list({ search: 'moving', type: 'info', limit: 2, cursor: synced.nextCursor });
    expect(older.entries).toHaveLength(1);

    // The live tail of the filtered view: only matching entries arrive.
    const latest = found.entries[0]?.id ?? 0;
    const tail = (await api.logs.onLog({ search: 'expired', lastEventId: String(latest) }))[Symbol.asyncIterator]();
    const pending = tail.next();
    await sync.runOnce();
    await broken('timeout again').runOnce();
    expect(await nextWithin(pending, 300)).toBe('timeout');
    await broken('token expired again').runOnce();
    const next = await nextWithin(pending, 5_000);
    if (next === 'timeout' || next.done) throw new Error('no live match');
    expect(read(next.value).data.message).toContain('token expired again');
    await tail.return?.();
  });

  it('rejects a lastEventId that is not a log entry id', async () => {
    await expect(adminCaller().logs.onLog({ lastEventId: 'abc' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
