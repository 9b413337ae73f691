/**
 * The pipeline inside the real server: the HTTP source configured from the environment, the
 * admin wall on the wire, and `logs.onLog` resuming over a real WebSocket.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { type AppRouter, appRouter } from '@goated/api';
import {
  type AppDeps,
  createContext,
  createInProcessBus,
  type LogEntry,
  type SessionUser,
  SyncService,
} from '@goated/api/server';
import { type Client, createClient } from '@goated/client';
import type { DbHandle } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDb, testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { type FakeUpstream, movingFeed, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from '@trpc/client';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';

describe.each(testBackends())('the server pulling from an HTTP feed on %s', (kind) => {
  let feed: FakeUpstream;
  let t: TestServer;

  beforeAll(async () => {
    feed = await startFakeUpstream();
    feed.reply({ status: 503, raw: 'warming up' }, { json: [upstreamRecord('p1', '42.00', '2026-01-01T00:00:00Z')] });
    t = await startTestServer(kind, {
      SYNC_ENABLED: 'true',
      SYNC_INTERVAL_MS: '250',
      SEED_DEMO_DATA: 'false',
      AFFILIATE_API_URL: feed.url,
      AFFILIATE_API_TOKEN: 'feed-token',
      AFFILIATE_RETRY_BASE_MS: '5',
      AFFILIATE_TIMEOUT_MS: '5000',
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await feed?.close();
  });

  it('uses AFFILIATE_API_URL with its bearer token, retrying a 5xx, and keeps syncing', async () => {
    await waitFor(
      async () => {
        const top = await t.client.api.leaderboard.top.query({ period: 'all' });
        return top.entries.length > 0;
      },
      { label: 'the first player', timeoutMs: 15_000 },
    );
    expect(feed.requests[0]?.authorization).toBe('Bearer feed-token');
    const status = await t.server.deps.sync?.status();
    expect(status).toMatchObject({ source: expect.stringMatching(/^http:127\.0\.0\.1:\d+$/), scheduled: true });
    const seen = feed.requests.length;
    await waitFor(() => feed.requests.length > seen + 1, { label: 'more scheduled runs', timeoutMs: 15_000 });
  });

  it('keeps serving while the feed is down, with each failure in the log', async () => {
    feed.reply({ status: 500, raw: 'broken' });
    const sync = t.server.deps.sync;
    if (!sync) throw new Error('the server has no pipeline');
    await waitFor(async () => (await sync.status()).lastError !== null, { label: 'a failed run', timeoutMs: 15_000 });
    const health = await fetch(`${t.url}/health/ready`);
    expect(health.status).toBe(200);
    const top = await t.client.api.leaderboard.top.query({ period: 'all' });
    expect(top.entries.map((e) => [e.uid, e.wagered])).toEqual([['p1', '42.00']]);
  });

  it('refuses the admin procedures and the log stream to anonymous clients on the wire', async () => {
    const code = (err: unknown) => (err instanceof TRPCClientError ? err.data?.code : String(err));
    expect(code(await t.client.api.sync.runNow.mutate().catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    expect(code(await t.client.api.sync.status.query().catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    expect(code(await t.client.api.logs.list.query({}).catch((e: unknown) => e))).toBe('UNAUTHORIZED');
    expect(
      code(
        await t.client.api.sync.ingest
          .mutate({ records: [upstreamRecord('x', 1, '2026-01-01T00:00:00Z')] })
          .catch((e: unknown) => e),
      ),
    ).toBe('UNAUTHORIZED');
    const refused = await new Promise<unknown>((resolve) => {
      const sub = t.client.api.logs.onLog.subscribe(
        {},
        {
          onData: () => resolve(new Error('an anonymous client received a log entry')),
          onError: (err) => {
            sub.unsubscribe();
            resolve(err);
          },
        },
      );
    });
    expect(code(refused)).toBe('UNAUTHORIZED');
  });
});

describe.each(testBackends())('logs.onLog on the real server, signed in as an admin, on %s', (kind) => {
  let feed: FakeUpstream;
  let t: TestServer;
  let admin: Client;

  beforeAll(async () => {
    feed = await startFakeUpstream();
    // Runs happen only when the test asks (no schedule), so the log holds exactly its entries.
    t = await startTestServer(kind, {
      SYNC_ENABLED: 'false',
      SEED_DEMO_DATA: 'false',
      AFFILIATE_API_URL: feed.url,
      AFFILIATE_RETRY_BASE_MS: '5',
    });
    const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    if (!token) throw new Error('signing in with mode "token" returned no token');
    admin = createClient({ url: t.url, token });
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await t?.close();
    await feed?.close();
  });

  it('resumes with lastEventId over the wire: exactly the missed entries, in order, then live ones', async () => {
    let n = 0;
    await expectResumeWithLastEventId(admin, async () => {
      n++;
      feed.reply({ json: [upstreamRecord('a', n, new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString())] });
      expect(await admin.api.sync.runNow.mutate()).toMatchObject({ status: 'succeeded', changedPlayers: 1 });
    });
  });
});

/**
 * Subscribes, receives one entry, disconnects; three runs happen; a new subscription with the
 * last id receives exactly those three entries, in order, and then a live one.
 */
async function expectResumeWithLastEventId(client: Client, run: () => Promise<void>): Promise<void> {
  let firstRun: Promise<void> = Promise.resolve();
  const firstId = await new Promise<string>((resolve, reject) => {
    const sub = client.api.logs.onLog.subscribe(
      {},
      {
        onStarted: () => {
          firstRun = run();
          firstRun.catch(reject);
        },
        onData: (event) => {
          sub.unsubscribe();
          resolve(event.id);
        },
        onError: reject,
      },
    );
  });
  // The entry arrives before the run has returned; the next runs must not overlap it.
  await firstRun;

  await run();
  await run();
  await run();

  const received: LogEntry[] = [];
  let notify = () => {};
  const sub = client.api.logs.onLog.subscribe(
    { lastEventId: firstId },
    {
      onData: (event) => {
        expect(event.id).toBe(String(event.data.id));
        received.push(event.data);
        notify();
      },
    },
  );
  const waitFor = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${n} entries`)), 20_000);
      notify = () => {
        if (received.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      };
      notify();
    });
  try {
    await waitFor(3);
    const ids = received.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(firstId));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(3);
    await run();
    await waitFor(4);
    expect(received[3]?.id).toBeGreaterThan(ids[2] ?? 0);
  } finally {
    sub.unsubscribe();
  }
}

/**
 * The router over a real HTTP + WebSocket transport with an admin identity on every
 * connection: stands in for the authenticated server until the transport resolves identities.
 */
describe.each(testBackends())('logs.onLog over a real WebSocket on %s', (kind) => {
  let db: DbHandle;
  let app: FastifyInstance;
  let sync: SyncService;
  let client: Client;
  let url: string;
  /** While set, the server refuses new connections (the client keeps retrying). */
  let refuseConnections = false;

  beforeEach(async () => {
    refuseConnections = false;
    db = await createTestDb(kind);
    const bus = createInProcessBus();
    sync = new SyncService({ db: db.db, bus, source: movingFeed() });
    const deps: AppDeps = { db: db.db, dbKind: db.kind, pingDb: db.ping, bus, version: 'test', sync };
    const admin: SessionUser = { id: randomUUID(), username: 'admin', role: 'admin' };
    app = Fastify({ logger: false });
    app.addHook('onRequest', async (request, reply) => {
      if (!refuseConnections) return;
      // Hang up on the upgrade request, as a server that is down would.
      reply.hijack();
      request.raw.socket.destroy();
    });
    await app.register(websocket);
    const options: FastifyTRPCPluginOptions<AppRouter> = {
      prefix: '/trpc',
      useWSS: true,
      trpcOptions: {
        router: appRouter,
        createContext: () => createContext(deps, { requestId: randomUUID(), user: admin }),
      },
    };
    await app.register(fastifyTRPCPlugin, options);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = createClient({ url });
  }, 120_000);
  afterEach(async () => {
    await client.close();
    await app.close();
    await db.close();
  });

  it('a client that resubscribes with lastEventId gets exactly the missed entries, in order, then live ones', async () => {
    await expectResumeWithLastEventId(client, async () => {
      expect(await sync.runOnce('manual')).toMatchObject({ status: 'succeeded' });
    });
  });

  it('after the connection drops, the client reconnects by itself, misses nothing and gets nothing twice', async () => {
    // A plain tRPC WebSocket client, retrying every 100 ms (createClient backs off for seconds).
    const wsClient = createWSClient({
      url: `${url.replace(/^http/, 'ws')}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      retryDelayMs: () => 100,
    });
    const api = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    onTestFinished(() => wsClient.close());
    const received: number[] = [];
    let started = false;
    const sub = api.logs.onLog.subscribe(
      {},
      {
        onStarted: () => {
          started = true;
        },
        onData: (event) => received.push(event.data.id),
      },
    );
    await waitFor(() => started, { label: 'the subscription', timeoutMs: 15_000 });
    expect(await sync.runOnce('manual')).toMatchObject({ status: 'succeeded' });
    await waitFor(() => received.length === 1, { label: 'the first entry', timeoutMs: 15_000 });
    // Drop the connection and keep the client out while three runs happen: it can only get
    // their entries by resubscribing with the id of the last entry it saw.
    refuseConnections = true;
    for (const socket of app.websocketServer.clients) socket.terminate();
    await waitFor(() => app.websocketServer.clients.size === 0, {
      label: 'the client to be disconnected',
      timeoutMs: 15_000,
    });
    for (let i = 0; i < 3; i++) expect(await sync.runOnce('manual')).toMatchObject({ status: 'succeeded' });
    refuseConnections = false;
    await waitFor(() => received.length >= 4, { label: 'the entries written while disconnected', timeoutMs: 15_000 });
    expect(await sync.runOnce('manual')).toMatchObject({ status: 'succeeded' });
    await waitFor(() => received.length >= 5, { label: 'a live entry after the reconnect', timeoutMs: 15_000 });
    sub.unsubscribe();
    const { entries } = await client.api.logs.list.query({ limit: 10 });
    expect(received).toEqual(entries.map((e) => e.id).reverse());
  });
});
