/**
 * Two server instances sharing one database and one Redis, as behind a load balancer: a change
 * made on one reaches subscribers of the other; when Redis goes away each keeps serving its own
 * subscribers and says so in /health/ready; when Redis is back, so is cross-instance delivery.
 */
import { randomUUID } from 'node:crypto';
import type { RouterOutputs } from '@goated/api';
import { runSync } from '@goated/api/server';
import { waitFor } from '@goated/testing';
import { createSharedTestDb, createTestDb, testBackends } from '@goated/testing/db';
import { canStartRedisServer, type RedisServer, redisTestUrl, startRedisServer } from '@goated/testing/redis';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { feed } from '@goated/testing/upstream';
import { beforeAll, describe, expect, it } from 'vitest';

type Page = RouterOutputs['leaderboard']['top'];

const sharedRedis = redisTestUrl();
const privateRedis = canStartRedisServer();

let clock = Date.parse('2026-02-01T00:00:00Z');
function sync(t: TestServer, month: Record<string, number>) {
  clock += 60_000;
  const at = new Date(clock).toISOString();
  return runSync(t.server.deps, feed(month, at));
}

/** Instances A and B on one database and one Redis (channel prefix of their own). */
async function twoInstances(kind: Parameters<typeof createSharedTestDb>[0], redisUrl: string) {
  const db = await createSharedTestDb(kind);
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: `test:${randomUUID()}:` };
  const a = await startTestServer(kind, env, { db: db.first });
  const b = await startTestServer(kind, env, { db: db.second });
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await db.close();
    },
  };
}

/** A live subscription to the month's top 3 through one instance. */
function watch(t: TestServer) {
  const pages: Page[] = [];
  const subscription = t.client.api.leaderboard.onUpdate.subscribe(
    { period: 'month', limit: 3 },
    { onData: (event) => pages.push(event.data) },
  );
  return {
    pages,
    leader: () => pages.at(-1)?.entries[0]?.uid,
    stop: () => subscription.unsubscribe(),
  };
}

async function readiness(t: TestServer) {
  const response = await fetch(`${t.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as { bus: { kind: string; ok: boolean } } };
}

describe.each(testBackends())('scale-out on %s', (kind) => {
  // The first PGlite database of a process migrates a template (seconds on a busy machine):
  // done here, under the hook timeout, rather than inside the first test.
  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestDb(kind)).close();
  });

  it.skipIf(!sharedRedis)('delivers a change made on instance A to a subscriber of instance B', async () => {
    const { a, b, close } = await twoInstances(kind, sharedRedis ?? '');
    try {
      await waitFor(() => a.server.deps.bus.health().connected && b.server.deps.bus.health().connected, {
        label: 'redis',
      });
      await sync(a, { a1: 100, a2: 50 });
      const onB = watch(b);
      await waitFor(() => onB.leader() === 'a1', { label: "B's first snapshot" });
      await sync(a, { a2: 500 });
      await waitFor(() => onB.leader() === 'a2', { label: 'the change made on A to reach B' });
      expect((await readiness(b)).body.bus).toEqual({ kind: 'redis', ok: true });
      onB.stop();
    } finally {
      await close();
    }
  });

  describe.skipIf(!privateRedis)('when Redis goes down', () => {
    it('keeps local delivery, reports the bus down, and resumes cross-instance delivery once Redis is back', async () => {
      const redis: RedisServer = await startRedisServer();
      const { a, b, close } = await twoInstances(kind, redis.url);
      const onA = watch(a);
      const onB = watch(b);
      try {
        await waitFor(() => a.server.deps.bus.health().connected && b.server.deps.bus.health().connected, {
          label: 'redis',
        });
        await sync(a, { x: 100 });
        await waitFor(() => onA.leader() === 'x' && onB.leader() === 'x', { label: 'both first snapshots' });

        await redis.kill();
        await waitFor(() => !a.server.deps.bus.health().connected, { label: 'A to notice' });
        const ready = await readiness(a);
        expect(ready.status).toBe(503);
        expect(ready.body.bus).toEqual({ kind: 'redis', ok: false });
        expect((await readiness(a)).body.bus).toEqual({ kind: 'redis', ok: false });

        // A's own subscribers still get A's changes; B cannot hear of them.
        await sync(a, { y: 200 });
        await waitFor(() => onA.leader() === 'y', { label: 'local delivery on A without Redis' });
        expect(onB.leader()).toBe('x');

        await redis.start();
        await waitFor(() => a.server.deps.bus.health().connected && b.server.deps.bus.health().connected, {
          label: 'both instances to reconnect',
          timeoutMs: 15_000,
        });
        expect((await readiness(b)).status).toBe(200);
        // A change made on A after that reaches B again (retried: B's resubscription and A's
        // reconnect finish in either order).
        for (let attempt = 0; attempt < 20 && onB.leader() !== 'z'; attempt++) {
          await sync(a, { z: 300 + attempt });
          await waitFor(() => onB.leader() === 'z', { label: 'B', timeoutMs: 500 }).catch(() => undefined);
        }
        expect(onB.leader()).toBe('z');
      } finally {
        onA.stop();
        onB.stop();
        await close();
        await redis.kill();
      }
    });
  });
});
