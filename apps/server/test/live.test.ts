import type { RouterOutputs } from '@goated/api';
import { runSync } from '@goated/api/server';
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { feed as upstreamFeed } from '@goated/testing/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PUSH_MS = 2500;
let clock = Date.parse('2026-03-01T00:00:00Z');

/** Each sync a second later than the last, so it is never ignored as older than what is stored. */
const feed = (totals: Record<string, number>) => {
  clock += 1000;
  return upstreamFeed(totals, new Date(clock));
};

type Page = RouterOutputs['leaderboard']['top'];

describe.each(testBackends())('live leaderboards and races over the server on %s', (kind) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(kind, { LEADERBOARD_PUSH_INTERVAL_MS: String(PUSH_MS), RACE_TICK_MS: '100' });
    await runSync(t.server.deps, feed({ a: 300, b: 200, c: 100, d: 50 }));
  });
  afterAll(() => t?.close());

  it('pages the leaderboard over HTTP with the opaque cursor', async () => {
    const first = await t.client.api.leaderboard.top.query({ period: 'all', limit: 3 });
    expect(first.entries.map((e) => e.uid)).toEqual(['a', 'b', 'c']);
    expect(typeof first.nextCursor).toBe('string');
    const rest = await t.client.api.leaderboard.top.query({ period: 'all', limit: 3, cursor: first.nextCursor });
    expect(rest.entries.map((e) => [e.rank, e.uid])).toEqual([[4, 'd']]);
  });

  it('answers hot queries on the fast path with the very bytes tRPC itself sends', async () => {
    const input = { period: 'all', limit: 2 };
    const enc = (value: unknown) => encodeURIComponent(JSON.stringify(value));
    const single = await fetch(`${t.url}/trpc/leaderboard.top?input=${enc({ json: input })}`);
    const singleText = await single.text();
    const batchOfOne = await fetch(`${t.url}/trpc/leaderboard.top?batch=1&input=${enc({ 0: { json: input } })}`);
    // A batch of two is not the fast path: this is tRPC's own answer, from the same cache entry.
    const batchOfTwo = await fetch(
      `${t.url}/trpc/leaderboard.top,health.status?batch=1&input=${enc({ 0: { json: input }, 1: { json: null } })}`,
    );
    const fromTrpc: unknown = await batchOfTwo.json();
    expect(Array.isArray(fromTrpc)).toBe(true);
    expect(singleText).toBe(JSON.stringify(Array.isArray(fromTrpc) ? fromTrpc[0] : null));
    expect(await batchOfOne.text()).toBe(`[${singleText}]`);
    for (const response of [single, batchOfOne]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(batchOfTwo.headers.get('content-type'));
    }
    // What the fast path does not accept still gets tRPC's answer.
    const invalid = await fetch(`${t.url}/trpc/leaderboard.top?input=${enc({ json: { period: 'year' } })}`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { json: { data: { code: 'BAD_REQUEST' } } } });
    const broken = await fetch(`${t.url}/trpc/leaderboard.top?input=%7Bnot-json`);
    expect(broken.status).toBe(400);

    // A repeated URL is remembered, until a sync changes the board.
    const singleUrl = `${t.url}/trpc/leaderboard.top?input=${enc({ json: input })}`;
    expect(await (await fetch(singleUrl)).text()).toBe(singleText);
    await runSync(t.server.deps, feed({ z: 99_999 }));
    const after = await (await fetch(singleUrl)).text();
    expect(after).not.toBe(singleText);
    expect(after).toContain('"uid":"z"');
  });

  it('pushes a burst of syncs to every WebSocket subscriber once, after the configured interval', async () => {
    const second = createClient({ url: t.url });
    const received: Page[][] = [[], []];
    const subscriptions = [t.client, second].map((client, i) =>
      client.api.leaderboard.onUpdate.subscribe(
        { period: 'month', limit: 2 },
        { onData: (event) => received[i]?.push(event.data) },
      ),
    );
    const events = (n: number) => waitFor(() => received.every((r) => r.length >= n), { label: `${n} events each` });
    try {
      await events(1);
      const started = Date.now();
      for (let i = 1; i <= 5; i++) await runSync(t.server.deps, feed({ c: 100_000 + i }));
      await events(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(PUSH_MS - 50);
      await new Promise((r) => setTimeout(r, PUSH_MS + 500));
      for (const events of received) {
        expect(events).toHaveLength(2);
        expect(events[1]?.entries.map((e) => [e.uid, e.wagered])).toEqual([
          ['c', '100005.00'],
          ['z', '99999.00'],
        ]);
      }
    } finally {
      for (const s of subscriptions) s.unsubscribe();
      await second.close();
    }
  });

  it('finishes a race on time by itself and refuses admin calls without a session', async () => {
    const [race] = await t.db.db
      .insert(schema.races)
      .values({
        name: 'Quick',
        startsAt: new Date(Date.now() - 60_000),
        endsAt: new Date(Date.now() + 300),
        prizePool: '5.00',
        prizeSplit: ['5.00'],
        status: 'live',
      })
      .returning({ id: schema.races.id });
    const raceId = race?.id ?? 0;
    await waitFor(async () => (await t.client.api.races.get.query({ raceId })).status === 'completed', {
      label: 'the race to finish by itself',
      intervalMs: 100,
    });
    await expect(t.client.api.races.finalize.mutate({ raceId })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
  });
});
