/**
 * Fault tests on the server process itself (`node --import tsx apps/server/src/main.ts`),
 * bounded in time, 127.0.0.1 only:
 *
 * - SIGTERM with 500 open subscriptions: every one gets close 1001, the process exits 0 within
 *   the shutdown bound;
 * - SIGTERM while a sync transaction runs: the transaction and the request behind it finish,
 *   then the process exits 0;
 * - SIGKILL while a sync transaction runs: the database holds the previous consistent state,
 *   and after a restart the next one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@goated/client';
import { createDb, type DbHandle, queryRows, schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { asc, desc, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ServerProcess, startServerProcess } from './support/server-process';

/**
 * The shutdown bound these servers are given (SHUTDOWN_TIMEOUT_MS; 10 s by default). Twice the
 * default here: on a shared 2-core VM whose host took a third of the CPU, finishing a parked sync
 * transaction and its request took over 10 s once in the full suite. What is tested is that the
 * shutdown is graceful and bounded, not how fast this machine is.
 */
const SHUTDOWN_BOUND_MS = 20_000;
const SUBSCRIBERS = 500;

describe('SIGTERM with open subscriptions', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'goated-sigterm-'));
  let server: ServerProcess | undefined;
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const socket of sockets) socket.terminate();
    server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`closes all ${SUBSCRIBERS} subscribed WebSockets with 1001, cuts SSE streams, and exits 0 within the bound`, async () => {
    server = await startServerProcess({
      DATA_DIR: path.join(dataDir, 'pglite'),
      SYNC_ENABLED: 'false',
      SEED_DEMO_DATA: 'false',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_BOUND_MS),
      // 500 subscription starts from one address in a few seconds.
      RATE_LIMIT_QUERIES_PER_MIN: '100000',
    });
    const wsUrl = `${server.url.replace('http', 'ws')}/trpc`;
    const started: Promise<void>[] = [];
    const closes: Promise<{ code: number; notice: boolean }>[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const socket = new WebSocket(wsUrl);
      sockets.push(socket);
      socket.on('error', () => {});
      let notice = false;
      started.push(
        new Promise((resolve, reject) => {
          socket.on('message', (data) => {
            const message = JSON.parse(String(data)) as { id: unknown; method?: string; result?: { type?: string } };
            if (message.method === 'reconnect') notice = true;
            if (message.id === 1 && message.result?.type === 'started') resolve();
          });
          socket.once('close', (code) =>
            reject(new Error(`socket ${i} closed (${code}) before its subscription started`)),
          );
        }),
      );
      closes.push(new Promise((resolve) => socket.once('close', (code) => resolve({ code, notice }))));
      socket.once('open', () =>
        socket.send(
          JSON.stringify({
            id: 1,
            method: 'subscription',
            params: { path: 'leaderboard.onUpdate', input: { json: { period: 'month', limit: 3 } } },
          }),
        ),
      );
    }
    await Promise.all(started);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`goated_ws_subscriptions ${SUBSCRIBERS}`);
    // And a few on the Server-Sent-Events fallback, which must not hold the shutdown either.
    const input = encodeURIComponent(JSON.stringify({ json: { period: 'month' } }));
    const sseReaders = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const res = await fetch(`${server?.url}/trpc/leaderboard.onUpdate?input=${input}`, {
          headers: { accept: 'text/event-stream' },
        });
        const reader = res.body?.getReader();
        if (!reader) throw new Error('no event stream');
        await reader.read();
        return reader;
      }),
    );

    const sseEnded = sseReaders.map(async (reader) => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return 'ended';
    });

    const signalledAt = Date.now();
    server.proc.kill('SIGTERM');
    const results = await Promise.all(closes);
    const exit = await server.exited;
    const tookMs = Date.now() - signalledAt;

    expect(results.filter((r) => r.code !== 1001)).toEqual([]);
    expect(await Promise.all(sseEnded)).toEqual(['ended', 'ended', 'ended']);
    expect(results.every((r) => r.notice)).toBe(true); // tRPC's reconnect notice came first
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(server.output()).not.toMatch(/shutdown took too long|error during shutdown/);
  }, 90_000);
});

describe('an error nobody handles', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'goated-uncaught-'));
  let server: ServerProcess | undefined;
  afterEach(() => server?.kill());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['an uncaught exception', 'throw', 'uncaught exception', 'injected uncaught exception'],
    ['an unhandled rejection', 'reject', 'unhandled rejection', 'injected unhandled rejection'],
  ])(
    '%s is logged and the process exits 1 rather than limping on',
    async (_label, fault, logged, message) => {
      server = await startServerProcess(
        { DATA_DIR: path.join(dataDir, fault), SYNC_ENABLED: 'false', SEED_DEMO_DATA: 'false', INJECT_FAULT: fault },
        { preload: [fileURLToPath(new URL('./support/fault-injector.ts', import.meta.url))] },
      );
      server.proc.kill('SIGUSR2');
      const exit = await Promise.race([
        server.exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
      ]);
      expect(exit).toEqual({ code: 1, signal: null });
      const fatal = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
        .find((line) => line.level === 60);
      expect(fatal).toMatchObject({ msg: logged, err: { message } });
    },
    90_000,
  );
});

const postgres = testBackends().includes('postgres');
const T1 = '2026-01-01T10:00:00Z';
const T2 = '2026-01-01T11:00:00Z';
const UIDS = Array.from({ length: 10 }, (_, i) => `u${i}`);

describe.runIf(postgres)('a sync transaction under way when the server is stopped (postgres)', () => {
  let handle: DbHandle;
  let url: string;
  let drop: () => Promise<void>;
  let feed: FakeUpstream;
  const servers: ServerProcess[] = [];

  beforeEach(async () => {
    const created = await createTestDatabaseUrl();
    url = created.url;
    drop = created.drop;
    handle = await createDb({ databaseUrl: url, poolMax: 3 });
    feed = await startFakeUpstream();
    feed.reply({ json: UIDS.map((uid) => upstreamRecord(uid, 10, T1)) });
  }, 60_000);
  afterEach(async () => {
    for (const server of servers) server.kill();
    servers.length = 0;
    await feed.close();
    await handle.close();
    await drop();
  });

  const start = async () => {
    const server = await startServerProcess({
      DATABASE_URL: url,
      DB_POOL_MAX: '4',
      SYNC_ENABLED: 'true',
      // The first run starts at once; the next ones only on demand (sync.runNow).
      SYNC_INTERVAL_MS: '600000',
      AFFILIATE_API_URL: feed.url,
      AFFILIATE_RETRIES: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_BOUND_MS),
    });
    servers.push(server);
    return server;
  };

  const snapshot = async () => ({
    players: await handle.db
      .select({ uid: schema.players.uid, all: schema.players.wagerAllTime, month: schema.players.wagerMonth })
      .from(schema.players)
      .orderBy(asc(schema.players.uid)),
    days: await handle.db.select().from(schema.playerWagerDays).orderBy(asc(schema.playerWagerDays.playerUid)),
  });
  const amounts = async () => new Set((await snapshot()).players.map((p) => p.all));
  const runs = () => handle.db.select().from(schema.syncRuns).orderBy(asc(schema.syncRuns.id));
  const lastRun = async () =>
    (await handle.db.select().from(schema.syncRuns).orderBy(desc(schema.syncRuns.id)).limit(1))[0];
  const sleepers = () =>
    queryRows<{ pid: number }>(
      handle.db,
      sql`select pid from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`,
    );
  /** Parks the next sync transaction on u5's row (inserted or updated) for `seconds`. */
  const parkOnU5 = async (seconds: number) => {
    await handle.db.execute(
      sql.raw(`create or replace function park_on_u5() returns trigger language plpgsql as $$
        begin
          if new.uid = 'u5' then perform pg_sleep(${seconds}); end if;
          return new;
        end $$`),
    );
    await handle.db.execute(
      sql`create trigger park_on_u5 before insert or update on players for each row execute function park_on_u5()`,
    );
  };
  const signInAdmin = async (server: ServerProcess) => {
    const anonymous = createClient({ url: server.url });
    const session = await anonymous.api.auth.signIn.mutate({
      username: 'admin',
      password: 'process test password',
      mode: 'token',
    });
    await anonymous.close();
    return createClient({ url: server.url, token: session.token ?? '', transport: 'sse' });
  };

  it('on SIGTERM, finishes the transaction and the request behind it, then exits 0 within the bound', async () => {
    const server = await start();
    await waitFor(async () => (await lastRun())?.status === 'succeeded', { label: 'the first run', timeoutMs: 30_000 });
    expect(await amounts()).toEqual(new Set(['10.00']));

    await parkOnU5(2);
    feed.reply({ json: UIDS.map((uid) => upstreamRecord(uid, 20, T2)) });
    const admin = await signInAdmin(server);
    const runNow = admin.api.sync.runNow.mutate({});
    runNow.catch(() => {}); // awaited below; keeps a failure from going unhandled meanwhile
    await waitFor(async () => (await sleepers()).length > 0, {
      label: 'the run to park in the trigger on u5 (inside its transaction)',
      timeoutMs: 30_000,
    });

    const signalledAt = Date.now();
    server.proc.kill('SIGTERM');
    // The request in flight is answered: the run committed.
    expect(await runNow).toMatchObject({ status: 'succeeded', changedPlayers: 10 });
    expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_BOUND_MS);
    await admin.close();

    expect(await amounts()).toEqual(new Set(['20.00']));
    expect((await runs()).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }, 120_000);

  it('on SIGKILL, leaves the previous state; after a restart the next run applies the next one', async () => {
    // PostgreSQL notices a dead client within 100 ms while it sleeps, and rolls back (a setting
    // read when a connection opens: before the server starts).
    await handle.db.execute(
      sql.raw(`alter database "${new URL(url).pathname.slice(1)}" set client_connection_check_interval = '100ms'`),
    );
    const first = await start();
    await waitFor(async () => (await lastRun())?.status === 'succeeded', { label: 'the first run', timeoutMs: 30_000 });
    const before = await snapshot();
    expect(new Set(before.players.map((p) => p.all))).toEqual(new Set(['10.00']));

    await parkOnU5(60);
    feed.reply({ json: UIDS.map((uid) => upstreamRecord(uid, 20, T2)) });
    const admin = await signInAdmin(first);
    admin.api.sync.runNow.mutate({}).catch(() => {}); // dies with the server
    await waitFor(async () => (await sleepers()).length > 0, {
      label: 'the run to park in the trigger on u5 (inside its transaction)',
      timeoutMs: 30_000,
    });

    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await admin.close();

    // Nothing of the dead run is visible, before or after PostgreSQL cleans up after it.
    expect(await snapshot()).toEqual(before);
    await waitFor(async () => (await sleepers()).length === 0, {
      label: 'the dead transaction to be rolled back',
      timeoutMs: 30_000,
    });
    expect(await snapshot()).toEqual(before);
    expect((await runs()).map((r) => r.status)).toEqual(['succeeded', 'running']);

    await handle.db.execute(sql`drop trigger park_on_u5 on players`);
    const second = await start();
    // The restarted server's first run marks the dead one interrupted and applies the feed.
    await waitFor(async () => (await runs()).length === 3 && (await lastRun())?.status !== 'running', {
      label: 'the run after the restart',
      timeoutMs: 30_000,
    });
    const after = await runs();
    expect(after.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(after[1]?.error).toMatch(/interrupted/);
    expect(await amounts()).toEqual(new Set(['20.00']));
    const client = createClient({ url: second.url, transport: 'sse' });
    const top = await client.api.leaderboard.top.query({ period: 'all', limit: 10 });
    expect(top.entries.map((e) => e.wagered)).toEqual(Array(10).fill('20.00'));
    await client.close();
  }, 120_000);
});
