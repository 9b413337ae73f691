/**
 * Redis gone silent under two instances: every connection to it stops answering without
 * closing — a peer gone without a reset, a partition, a server wedged. ioredis keeps such a
 * connection `ready` and waits on it forever, and every request waited with it on its
 * rate-limit check. Now requests keep answering (the in-memory limiter stands in), the liveness
 * pings drop each silent connection and reconnect it, and events cross instances again after.
 */
import { randomUUID } from 'node:crypto';
import { type AppEvents, createRedisBus } from '@goated/api/server';
import { waitFor } from '@goated/testing';
import { redisTestUrl } from '@goated/testing/redis';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const url = redisTestUrl();
const event: AppEvents['leaderboard.changed'] = { changedPlayers: 1, at: '2026-01-01T00:00:00.000Z' };

/** An uncached public read over HTTP, bounded here so a hang shows as such. */
async function read(server: TestServer): Promise<string> {
  const input = encodeURIComponent(JSON.stringify({ json: {} }));
  // The whole answer, body too, within the bound.
  return fetch(`${server.url}/trpc/races.list?input=${input}`, { signal: AbortSignal.timeout(5_000) }).then(
    async (res) => {
      await res.text();
      return String(res.status);
    },
    (err: Error) => err.name,
  );
}

async function ready(server: TestServer): Promise<boolean> {
  return (await fetch(`${server.url}/health/ready`)).status === 200;
}

describe.runIf(url)('Redis gone silent (no reset, no answer) under two instances', () => {
  let proxy: TcpProxy;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    proxy = await startTcpProxy(new URL(url ?? ''));
    const env = {
      REDIS_URL: `redis://${new URL(proxy.url).host}`,
      REDIS_PREFIX: `test:${randomUUID()}:`,
      REDIS_PING_MS: '200',
      REDIS_PING_TIMEOUT_MS: '500',
    };
    servers.push(await startTestServer('pglite', env), await startTestServer('pglite', env));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await proxy?.close();
  });

  /** Publishes on the first instance until the second hears it. */
  async function crossInstanceDelivery(label: string) {
    const [a, b] = servers;
    if (!a || !b) throw new Error('two servers expected');
    let heard = 0;
    const stop = b.server.deps.bus.subscribe('leaderboard.changed', () => {
      heard++;
    });
    try {
      await waitFor(
        () => {
          if (heard === 0) void a.server.deps.bus.publish('leaderboard.changed', event);
          return heard > 0;
        },
        { label, timeoutMs: 10_000, intervalMs: 100 },
      );
    } finally {
      stop();
    }
  }

  it('keeps answering requests, replaces every silent connection, and carries events again', async () => {
    for (const server of servers) await waitFor(() => ready(server), { label: 'ready', timeoutMs: 10_000 });
    await crossInstanceDelivery('events between the instances before');
    const connectionsBefore = proxy.connections;

    proxy.blackhole();
    // At once, before any ping has noticed: each request's rate-limit check goes unanswered.
    const started = performance.now();
    const during = await Promise.all(servers.flatMap((server) => [read(server), read(server), read(server)]));
    expect(during).toEqual(['200', '200', '200', '200', '200', '200']);
    expect(performance.now() - started).toBeLessThan(4_000);

    // Each instance's three connections (events out, events in, rate limits) are replaced.
    await waitFor(() => proxy.connections >= connectionsBefore + 6, {
      label: 'every silent connection dropped and opened again',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    for (const server of servers) {
      await waitFor(() => ready(server), { label: 'ready again', timeoutMs: 10_000, intervalMs: 100 });
    }
    await crossInstanceDelivery('events between the instances after');
    for (const server of servers) expect(await read(server)).toBe('200');
  }, 60_000);
});

describe.runIf(url)('an instance whose bus is back after an outage', () => {
  it('tells the others, which re-read what they depend on (what it published meanwhile may be lost)', async () => {
    const proxy = await startTcpProxy(new URL(url ?? ''));
    const prefix = `test:${randomUUID()}:`;
    // A reaches Redis through the proxy, B directly: only A's connections are cut.
    const a = await createRedisBus({ url: `redis://${new URL(proxy.url).host}`, prefix, maxReconnectDelayMs: 100 });
    const b = await createRedisBus({ url: url ?? '', prefix });
    try {
      const onA: string[] = [];
      const onB: string[] = [];
      a.onReconnect?.(() => onA.push('re-read'));
      b.onReconnect?.(() => onB.push('re-read'));
      await waitFor(() => a.health().connected && b.health().connected, { label: 'both buses connected' });
      // B's subscription is confirmed asynchronously: an event that crosses says it is in place.
      let crossed = 0;
      const stop = b.subscribe('leaderboard.changed', () => {
        crossed++;
      });
      await waitFor(
        () => {
          if (crossed === 0) void a.publish('leaderboard.changed', event);
          return crossed > 0;
        },
        { label: 'an event from A on B' },
      );
      stop();

      proxy.sever();
      await waitFor(() => onA.length > 0, { label: 'A back, re-reading', timeoutMs: 10_000 });
      await waitFor(() => onB.length > 0, { label: 'B told, re-reading', timeoutMs: 5_000 });
      expect(b.health().connected).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await proxy.close();
    }
  }, 30_000);
});
