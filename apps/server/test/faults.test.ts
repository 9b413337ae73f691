/**
 * Fault tests, bounded in time: the database restarted under load; a short blip in the
 * connection to it.
 */

import { createClient } from '@goated/client';
import { waitFor } from '@goated/testing';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/app';
import { loadConfig } from '../src/config';
import { startCpuLoad } from './support/cpu-load';
import { type PrivatePostgres, privatePostgresAvailable, startPrivatePostgres } from './support/private-postgres';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const BLIPS = 20;
const UNAVAILABLE = 'SERVICE_UNAVAILABLE:The database is unavailable; retry shortly';
/** No request may take longer than this, whatever happens to the connection under it. */
const REQUEST_BOUND_MS = 15_000;

const available = privatePostgresAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error('CI=true but PostgreSQL server binaries are missing: the database fault tests must run.');
}

describe.runIf(available)('PostgreSQL restarted under load', () => {
  let pg: PrivatePostgres;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      SYNC_ENABLED: 'false',
      WEB_DIST: '/nonexistent',
      DATABASE_URL: pg.url,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'fault test password',
      RATE_LIMIT_QUERIES_PER_MIN: '100000',
    });
    server = await createServer(config);
    url = await server.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    pg?.destroy();
  });

  it('fails requests cleanly during the outage, recovers after, and never crashes', async () => {
    const { api, close } = createClient({ url });
    const outcomes: string[] = [];
    let running = true;
    // Bounded load: 8 concurrent loops until told to stop (at most ~30 s).
    const deadline = Date.now() + 30_000;
    const loops = Array.from({ length: 8 }, async () => {
      while (running && Date.now() < deadline) {
        // Not a cached read: the cache would (rightly) keep answering through the outage.
        const outcome = await api.races.list.query({}).then(
          () => 'ok',
          (err: unknown) => (err instanceof TRPCClientError ? `${err.data?.code}:${err.message}` : String(err)),
        );
        outcomes.push(outcome);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 800));
      pg.stop('immediate');
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      // Longer than the read retries (~1 s), so some requests must give up.
      await new Promise((r) => setTimeout(r, 4000));
      pg.start();
      // Back to normal: the pool reconnects by itself.
      await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, {
        label: 'the server to be ready again',
        timeoutMs: 15_000,
        intervalMs: 200,
      });
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      const before = outcomes.length;
      await new Promise((r) => setTimeout(r, 800));
      running = false;
      await Promise.all(loops);
      const after = outcomes.slice(before);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((o) => o !== 'ok')).toEqual([]);
      const failures = outcomes.filter((o) => o !== 'ok');
      expect(failures.length).toBeGreaterThan(0);
      // Every failure during the outage was the clear, retry-able one; nothing leaked.
      expect(new Set(failures)).toEqual(new Set(['SERVICE_UNAVAILABLE:The database is unavailable; retry shortly']));
    } finally {
      running = false;
      await Promise.all(loops);
      await close();
    }
    // The process is still here and serving.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 60_000);
});

describe.runIf(testBackends().includes('postgres'))('a short database blip (postgres, through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let server: Server;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await createTestDatabaseUrl();
    drop = created.drop;
    const direct = new URL(created.url);
    proxy = await startTcpProxy(direct);
    const viaProxy = new URL(created.url);
    viaProxy.host = new URL(proxy.url).host;
    server = await createServer(
      loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        SYNC_ENABLED: 'false',
        WEB_DIST: '/nonexistent',
        DATABASE_URL: viaProxy.toString(),
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: 'fault test password',
        RATE_LIMIT_QUERIES_PER_MIN: '100000',
        RATE_LIMIT_AUTH_PER_MIN: '100000',
        RATE_LIMIT_MUTATIONS_PER_MIN: '100000',
      }),
    );
    url = await server.start();
  }, 60_000);
  afterAll(async () => {
    // Shutdown is bounded whatever is in flight (the server's own bound is 10 s).
    const stopped = await Promise.race([
      server?.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still stopping'), 15_000)),
    ]);
    await proxy?.close();
    await drop?.();
    expect(stopped).toBe('stopped');
  }, 30_000);

  it(`is ridden out ${BLIPS} times in a row under CPU load: reads (the session lookup too) succeed, writes fail cleanly or go through, and no request outlives its bound`, async () => {
    const { api, close } = createClient({ url });
    const outcomes: string[] = [];
    let slowest = 0;
    let running = true;
    const describe = (err: unknown) =>
      err instanceof TRPCClientError ? `${err.data?.code}:${err.message}` : String(err);
    // A request that never answers is told as such (and fails the test below) instead of holding
    // the test until its own timeout says nothing of which request it was.
    const timed = async (call: () => Promise<unknown>) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`hung: no answer in ${2 * REQUEST_BOUND_MS} ms`), 2 * REQUEST_BOUND_MS);
      });
      try {
        return await Promise.race([call().then(() => 'ok', describe), hung]);
      } finally {
        clearTimeout(timer);
        slowest = Math.max(slowest, performance.now() - started);
      }
    };
    const session = await api.auth.signUp.mutate({ username: 'reader', password: 'a reader password', mode: 'token' });
    const signedIn = createClient({ url, token: session.token ?? '', transport: 'sse' });
    // A busy loop beside the test: the race between a severed connection and the queries queued
    // on it shows up when the event loop is slow to notice the reset.
    const load = startCpuLoad({ maxMs: 50_000 });
    // Uncached reads, as fast as they come: anonymous, and signed in (a session lookup first).
    const readers = Array.from({ length: 6 }, async (_, i) => {
      const client = i % 2 === 0 ? api : signedIn.api;
      while (running) outcomes.push(await timed(() => client.races.list.query({})));
    });
    const writes: string[] = [];
    try {
      for (let blip = 0; blip < BLIPS; blip++) {
        await new Promise((r) => setTimeout(r, 150));
        // Every pooled connection is cut and new ones are refused for 300 ms.
        proxy.refuse(true);
        proxy.sever();
        // Anonymous, so the request reaches its write at once (no session to read first).
        const write = timed(() =>
          api.auth.signUp.mutate({ username: `blip_user_${blip}`, password: 'a password long enough' }),
        );
        await new Promise((r) => setTimeout(r, 300));
        proxy.refuse(false);
        // A write is never repeated by the server (it may not be safe to): it either got through
        // once the connection was back, or failed with the clear, retry-able error.
        writes.push(await write);
        // The pool is back before the next blip: a read goes through.
        await waitFor(async () => (await timed(() => api.races.list.query({}))) === 'ok', {
          label: 'a read after the blip',
          timeoutMs: 20_000,
        });
      }
    } finally {
      running = false;
      await Promise.all(readers);
      await load.stop();
      await signedIn.close();
      await close();
    }
    expect(new Set(writes).size).toBeGreaterThan(0);
    for (const outcome of writes) expect(['ok', UNAVAILABLE]).toContain(outcome);
    expect(outcomes.length).toBeGreaterThan(BLIPS * 6);
    // Reads retry for ~1 s; a reconnect slowed by the load may take longer: then the clear error.
    expect(outcomes.filter((o) => o !== 'ok' && o !== UNAVAILABLE)).toEqual([]);
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(outcomes.length * 0.9);
    expect(slowest).toBeLessThan(REQUEST_BOUND_MS);
    expect(proxy.connections).toBeGreaterThan(BLIPS); // the pool did reconnect, every time
  }, 240_000);
});
