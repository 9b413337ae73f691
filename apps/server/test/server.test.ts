import type { RouterOutputs } from '@goated/api';
import { runSync } from '@goated/api/server';
import { testBackends } from '@goated/testing/db';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { feed } from '@goated/testing/upstream';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each(testBackends())('server on %s', (kind) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(kind);
    await runSync(t.server.deps, feed({ a: 300, b: 200, c: 100 }, '2026-01-01T00:00:00Z'));
  });
  afterAll(() => t?.close());

  it('answers /health and /health/ready with each dependency', async () => {
    const live = await fetch(`${t.url}/health`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      db: { kind, ok: true },
      bus: { kind: 'in-process', ok: true },
      sync: { lastStatus: 'succeeded' },
    });
  });

  it('serves typed queries over HTTP with superjson types intact', async () => {
    const page = await t.client.api.leaderboard.top.query({ period: 'month', limit: 2 });
    expect(page.entries.map((e) => e.uid)).toEqual(['a', 'b']);
    expect(page.generatedAt).toBeInstanceOf(Date);
    const health = await t.client.api.health.status.query();
    // Anonymous: up or degraded, the version and freshness; dependencies are for admins.
    expect(health).toMatchObject({ detail: 'public', status: 'ok' });
    expect(health).not.toHaveProperty('db');
  });

  it('batches several queries into one HTTP request', async () => {
    const [top, pos, races] = await Promise.all([
      t.client.api.leaderboard.top.query({ period: 'all' }),
      t.client.api.leaderboard.position.query({ period: 'all', uid: 'c' }),
      t.client.api.races.list.query({}),
    ]);
    expect(top.entries).toHaveLength(3);
    expect(pos.player.rank).toBe(3);
    expect(races.races).toEqual([]);
  });

  it('returns BAD_REQUEST with zod issues that name the field', async () => {
    const error = await t.client.api.leaderboard.top.query({ period: 'month', limit: 0 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TRPCClientError);
    if (!(error instanceof TRPCClientError)) return;
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(error.data.zodIssues).toEqual([expect.objectContaining({ path: ['limit'] })]);
    expect(error.message).toMatch(/^Limit must be /);
  });

  it('returns NOT_FOUND for a missing race', async () => {
    await expect(t.client.api.races.get.query({ raceId: 12345 })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND', httpStatus: 404 },
    });
  });

  it('streams the leaderboard over WebSocket: snapshot first, then each change', async () => {
    const received: RouterOutputs['leaderboard']['top'][] = [];
    let notify: () => void = () => {};
    const subscription = t.client.api.leaderboard.onUpdate.subscribe(
      { period: 'month', limit: 3 },
      {
        onData: (event) => {
          received.push(event.data);
          notify();
        },
      },
    );
    const waitFor = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for event ${n}`)), 10_000);
        notify = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      });
    try {
      await waitFor(1);
      expect(received[0]?.entries.map((e) => e.uid)).toEqual(['a', 'b', 'c']);
      await runSync(t.server.deps, feed({ c: 1000 }, '2026-01-01T00:01:00Z'));
      await waitFor(2);
      expect(received[1]?.entries.map((e) => [e.rank, e.uid])).toEqual([
        [1, 'c'],
        [2, 'a'],
        [3, 'b'],
      ]);
      expect(received[1]?.generatedAt).toBeInstanceOf(Date);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe.each(testBackends())('server failures on %s', (kind) => {
  it('hides internal errors from clients and reports the database down', async () => {
    const t = await startTestServer(kind);
    try {
      await t.db.close(); // the database goes away under a running server
      const error = await t.client.api.leaderboard.top.query({ period: 'month' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TRPCClientError);
      if (!(error instanceof TRPCClientError)) return;
      // A closed pool is "unavailable" (retry-able); a closed embedded database is internal.
      expect([
        'INTERNAL_SERVER_ERROR:Internal server error',
        'SERVICE_UNAVAILABLE:The database is unavailable; retry shortly',
      ]).toContain(`${error.data?.code}:${error.message}`);
      expect(JSON.stringify(error.data)).not.toMatch(/stack|select|players/i);
      const ready = await fetch(`${t.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'degraded', db: { ok: false } });
    } finally {
      await t.client.close();
      await t.server.stop();
    }
  });
});
