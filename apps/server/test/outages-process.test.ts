/**
 * Outages of what the server depends on, against the server process itself at the default log
 * level (`info`), 127.0.0.1 only, bounded in time. Each used to kill the process: a log call
 * handed a string as `err` threw from inside a Redis error handler (issue #15).
 *
 * - Redis stopped and started under two instances: both keep serving, readiness says 503 with
 *   `bus.ok=false`, and both recover by themselves;
 * - a server started while Redis is unreachable serves, reports `bus.ok=false`, and turns ready
 *   once Redis appears (no crash loop);
 * - PostgreSQL cut (a TCP proxy in front of it): the process stays up, requests fail fast with
 *   SERVICE_UNAVAILABLE, readiness says 503, and it recovers by itself.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@goated/testing';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { canStartRedisServer, type RedisServer, startRedisServer } from '@goated/testing/redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const redisAvailable = canStartRedisServer();
const postgres = testBackends().includes('postgres');

interface Readiness {
  status: number;
  body: { status?: string; db?: { ok?: boolean }; bus?: { ok?: boolean } };
}

async function readiness(server: ServerProcess): Promise<Readiness> {
  const res = await fetch(`${server.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

const alive = (server: ServerProcess) => server.proc.exitCode === null && server.proc.signalCode === null;

/** An uncached public read through tRPC over HTTP: the status code, and the error code if any. */
async function readRaces(server: ServerProcess): Promise<{ status: number; code: string | null; ms: number }> {
  const started = performance.now();
  const input = encodeURIComponent(JSON.stringify({ json: {} }));
  const res = await fetch(`${server.url}/trpc/races.list?input=${input}`);
  const body = (await res.json()) as { error?: { json?: { data?: { code?: string } } } };
  return { status: res.status, code: body.error?.json?.data?.code ?? null, ms: performance.now() - started };
}

describe.runIf(redisAvailable)('Redis outages, at the default log level', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'goated-redis-outage-'));
  const servers: ServerProcess[] = [];
  let redis: RedisServer | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  afterEach(async () => {
    for (const server of servers) server.kill();
    await Promise.all(servers.map((server) => server.exited));
    servers.length = 0;
    await redis?.kill();
    await dropDatabase?.();
    dropDatabase = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** On PostgreSQL when there is one (quicker to set up than a fresh embedded database). */
  const start = (redisUrl: string, prefix: string, name: string, databaseUrl?: string) =>
    startServerProcess(
      {
        LOG_LEVEL: 'info',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: path.join(dataDir, name) }),
        SYNC_ENABLED: 'false',
        SEED_DEMO_DATA: 'false',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        // A fresh embedded database takes a while to set up on a loaded machine.
      },
      { startTimeoutMs: 90_000 },
    ).then((server) => {
      servers.push(server);
      return server;
    });

  it('Redis stopped and started: two instances keep serving, report bus.ok=false, and recover by themselves', async () => {
    redis = await startRedisServer();
    const prefix = `test:${randomUUID()}:`;
    const shared = postgres ? await createTestDatabaseUrl() : undefined;
    dropDatabase = shared?.drop;
    const a = await start(redis.url, prefix, 'a', shared?.url);
    const b = await start(redis.url, prefix, 'b', shared?.url);
    for (const server of [a, b])
      await waitFor(async () => (await readiness(server)).status === 200, {
        label: 'ready',
        timeoutMs: 30_000,
        intervalMs: 100,
      });

    await redis.kill();
    for (const server of [a, b]) {
      await waitFor(async () => (await readiness(server)).status === 503, {
        label: 'readiness to report the bus down',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect((await readiness(server)).body.bus?.ok).toBe(false);
    }
    // Several reconnect attempts later, both are still up and still serve.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const server of [a, b]) {
      expect(alive(server), server.output()).toBe(true);
      expect((await readRaces(server)).status).toBe(200);
    }

    await redis.start();
    for (const server of [a, b]) {
      await waitFor(async () => (await readiness(server)).status === 200, {
        label: 'readiness to recover',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect((await readiness(server)).body.bus?.ok).toBe(true);
      expect(alive(server)).toBe(true);
      // The outage was logged as a warning, not as a crash.
      expect(server.output()).toContain('redis event bus unavailable');
      expect(server.output()).not.toMatch(/uncaught exception|unhandled rejection/);
    }
  }, 240_000);

  it('a server started while Redis is unreachable serves, reports bus.ok=false, and turns ready when Redis appears', async () => {
    redis = await startRedisServer();
    await redis.kill();
    const server = await start(redis.url, `test:${randomUUID()}:`, 'late');
    expect((await readRaces(server)).status).toBe(200);
    const ready = await readiness(server);
    expect(ready.status).toBe(503);
    expect(ready.body.bus?.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(alive(server), server.output()).toBe(true);

    await redis.start();
    await waitFor(async () => (await readiness(server)).status === 200, {
      label: 'readiness once Redis is there',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(alive(server)).toBe(true);
    expect(server.output()).not.toMatch(/uncaught exception|unhandled rejection/);
  }, 120_000);
});

describe.runIf(postgres)('PostgreSQL cut (through a TCP proxy), at the default log level', () => {
  let proxy: TcpProxy | undefined;
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    server?.kill();
    await proxy?.close();
    await drop?.();
  });

  it.each([
    ['reset (every connection cut, new ones refused)', 'sever'],
    ['gone silent (no reset, no answer: a dead peer)', 'blackhole'],
  ] as const)(
    'connections %s: the process stays up, requests fail fast, readiness says 503, then it recovers',
    async (_label, fault) => {
      const created = await createTestDatabaseUrl();
      drop = created.drop;
      proxy = await startTcpProxy(new URL(created.url));
      const viaProxy = new URL(created.url);
      viaProxy.host = new URL(proxy.url).host;
      server = await startServerProcess({
        LOG_LEVEL: 'info',
        DATABASE_URL: viaProxy.toString(),
        SYNC_ENABLED: 'false',
        // Short bounds so the test is quick; the defaults are 5 s and 15 s.
        DB_CONNECT_TIMEOUT_MS: '2000',
        DB_STATEMENT_TIMEOUT_MS: '2000',
        RATE_LIMIT_QUERIES_PER_MIN: '100000',
      });
      await waitFor(async () => (await readiness(server as ServerProcess)).status === 200, {
        label: 'ready',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect((await readRaces(server)).status).toBe(200);

      proxy.refuse(true);
      if (fault === 'sever') proxy.sever();
      else proxy.blackhole();
      // Requests get the clear, retry-able answer within the bound (statement 2 s + 5 s, and the
      // read retries), never a hang and never a crash.
      const during = await Promise.all(Array.from({ length: 4 }, () => readRaces(server as ServerProcess)));
      for (const outcome of during) {
        expect(outcome).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
        expect(outcome.ms).toBeLessThan(15_000);
      }
      const ready = await readiness(server);
      expect(ready.status).toBe(503);
      expect(ready.body.db?.ok).toBe(false);
      expect(alive(server), server.output()).toBe(true);

      proxy.refuse(false);
      await waitFor(async () => (await readiness(server as ServerProcess)).status === 200, {
        label: 'readiness to recover',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect((await readRaces(server)).status).toBe(200);
      expect(alive(server)).toBe(true);
      expect(server.output()).not.toMatch(/uncaught exception|unhandled rejection/);
    },
    120_000,
  );
});
