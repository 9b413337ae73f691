import { consume, sleep } from '@goated/testing';
import { countingBus } from '@goated/testing/bus';
import { testBackends } from '@goated/testing/db';
import { feed } from '@goated/testing/upstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leaderboardUpdates, live } from '../src/live/live';
import { type AppDeps, runSync } from '../src/server';
import { createTestApi, type TestApi } from './fixtures';

const INTERVAL_MS = 300;

describe.each(testBackends())('leaderboard.onUpdate on %s', (kind) => {
  let t: TestApi;
  let clock = Date.parse('2026-02-01T00:00:00Z');
  /** One sync run, each with a newer upstream timestamp than the last. */
  const sync = (totals: Record<string, number>) => {
    clock += 1000;
    return runSync(t.deps, feed(totals, new Date(clock)));
  };
  const uids = (page: { entries: { uid: string }[] }) => page.entries.map((e) => e.uid);
  /** Every stream a test opens is closed after it, even when the test fails. */
  const open: AbortController[] = [];
  const opened = (controller: AbortController) => {
    open.push(controller);
    return controller;
  };
  afterEach(() => {
    for (const c of open.splice(0)) c.abort();
  });

  beforeAll(async () => {
    t = await createTestApi(kind, { live: { pushIntervalMs: INTERVAL_MS } });
    await sync({ a: 500, b: 400, c: 300, d: 200, e: 100 });
  });
  afterAll(() => t.close());

  it('sends the current snapshot first, then the new top after a sync', async () => {
    const controller = opened(new AbortController());
    const stream = consume(leaderboardUpdates(t.deps, { period: 'month', limit: 3 }, controller.signal));
    const [firstId, first] = await stream.next(1);
    expect(firstId).toEqual(expect.any(String));
    expect(uids(first)).toEqual(['a', 'b', 'c']);

    await sync({ e: 1000 });
    const [secondId, second] = await stream.next(2);
    expect(secondId).not.toBe(firstId);
    expect(second.entries.map((e) => [e.rank, e.uid, e.wagered])).toEqual([
      [1, 'e', '1000.00'],
      [2, 'a', '500.00'],
      [3, 'b', '400.00'],
    ]);
    controller.abort();
    await stream.done;
    expect(live(t.deps).boardFeeds.size).toBe(0);
  });

  it('coalesces ten syncs inside one interval into one push, showing the last', async () => {
    // A stream of its own, with an interval long enough for ten syncs on this machine today: the
    // slower of two probe syncs, with room for the machine to slow down 4x meanwhile (the whole
    // suite on 2 cores once made ten syncs 2.6x one probe's time).
    let probeMs = 0;
    for (let i = 0; i < 2; i++) {
      const probe = Date.now();
      await sync({ d: 2000 });
      probeMs = Math.max(probeMs, Date.now() - probe);
    }
    const intervalMs = Math.max(2000, probeMs * 40);
    const deps: AppDeps = { ...t.deps, bus: countingBus(t.deps.bus), live: { pushIntervalMs: intervalMs } };
    const stream = consume(leaderboardUpdates(deps, { period: 'all', limit: 2 }, opened(new AbortController()).signal));
    await stream.next(1);
    const started = Date.now();
    for (let i = 1; i <= 10; i++) await sync({ d: 2000 + i }); // each one changes the top 2
    const burstMs = Date.now() - started;

    const [, pushed] = await stream.next(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(intervalMs - 50); // trailing edge
    expect(pushed.entries[0]).toMatchObject({ uid: 'd', wagered: '2010.00' });
    await sleep(intervalMs + 200);
    expect(burstMs).toBeLessThan(intervalMs);
    expect(stream.items).toHaveLength(2);
  });

  it('pushes nothing when a change leaves the requested top N as it was', async () => {
    const controller = opened(new AbortController());
    const stream = consume(leaderboardUpdates(t.deps, { period: 'week', limit: 2 }, controller.signal));
    const [, first] = await stream.next(1);
    const before = live(t.deps).boards.stats().misses;
    await sync({ b: 401 }); // b moves, but stays below the top 2
    const top = await t.caller.leaderboard.top({ period: 'week', limit: 5 });
    expect(top.entries.slice(0, 2)).toEqual(first.entries);
    expect(top.entries.find((e) => e.uid === 'b')).toMatchObject({ rank: 4, wagered: '401.00' });
    await sleep(INTERVAL_MS * 2.5);
    // The stream did recompute once (the top-5 query above was another key)…
    expect(live(t.deps).boards.stats().misses - before).toBe(2);
    // …and pushed nothing.
    expect(stream.items).toHaveLength(1);
    controller.abort();
    await stream.done;
  });

  it('shares one stream per (period, limit): one recomputation, the same object to everyone', async () => {
    const counted = countingBus(t.deps.bus);
    const deps: AppDeps = { ...t.deps, bus: counted, live: { pushIntervalMs: INTERVAL_MS } };
    const state = live(deps);
    const baseline = counted.active(); // the caches' own invalidation listeners
    const controllers = Array.from({ length: 5 }, () => opened(new AbortController()));
    const streams = controllers.map((c) => consume(leaderboardUpdates(deps, { period: 'month', limit: 3 }, c.signal)));
    const other = opened(new AbortController());
    const otherStream = consume(leaderboardUpdates(deps, { period: 'month', limit: 4 }, other.signal));
    await Promise.all([...streams, otherStream].map((s) => s.next(1)));

    expect(state.boardFeeds.size).toBe(2);
    expect(state.boardFeeds.subscribers('month:3')).toBe(5);
    // One watcher per stream and topic (wagers, the VIP ladder), not per subscriber.
    expect(counted.active() - baseline).toBe(2 * 2);
    const first = streams[0]?.items[0];
    for (const s of streams) expect(s.items[0]).toBe(first); // envelope and data: one object

    const misses = state.boards.stats().misses;
    await sync({ c: 3000 });
    await Promise.all([...streams, otherStream].map((s) => s.next(2)));
    // One query per stream for the change, however many subscribers it has.
    expect(state.boards.stats().misses - misses).toBe(2);
    const second = streams[0]?.items[1];
    expect(second?.[1].entries[0]?.uid).toBe('c');
    for (const s of streams) expect(s.items[1]).toBe(second);
    expect(otherStream.items[1]).not.toBe(second);

    for (const c of [...controllers, other]) c.abort();
    await Promise.all([...streams, otherStream].map((s) => s.done));
    expect(state.boardFeeds.size).toBe(0);
    expect(counted.active()).toBe(baseline);
  });

  it('lets a new subscriber of a running stream start from the shared snapshot, without a query', async () => {
    const a = opened(new AbortController());
    const b = opened(new AbortController());
    const state = live(t.deps);
    const first = consume(leaderboardUpdates(t.deps, { period: 'today', limit: 5 }, a.signal));
    await first.next(1);
    const misses = state.boards.stats().misses;
    const second = consume(leaderboardUpdates(t.deps, { period: 'today', limit: 5 }, b.signal));
    expect(await second.next(1)).toBe(first.items[0]);
    expect(state.boards.stats().misses).toBe(misses);
    a.abort();
    b.abort();
    await Promise.all([first.done, second.done]);
    expect(state.boardFeeds.size).toBe(0);
  });

  it('answers a hot leaderboard from memory until a sync changes it', async () => {
    const state = live(t.deps);
    const first = await t.caller.leaderboard.top({ period: 'month', limit: 2 });
    const position = await t.caller.leaderboard.position({ period: 'month', uid: 'a' });
    const misses = state.boards.stats().misses + state.positions.stats().misses;
    // Equal, not the same object: these procedures check their answer against their REST output
    // schema, which hands back a copy. The cache's miss count shows nothing was loaded again.
    for (let i = 0; i < 20; i++) {
      expect(await t.caller.leaderboard.top({ period: 'month', limit: 2 })).toEqual(first);
      expect(await t.caller.leaderboard.position({ period: 'month', uid: 'a' })).toEqual(position);
    }
    expect(state.boards.stats().misses + state.positions.stats().misses).toBe(misses);

    await sync({ x: 99_999 });
    const after = await t.caller.leaderboard.top({ period: 'month', limit: 2 });
    expect(after.entries[0]).toMatchObject({ rank: 1, uid: 'x' });
    const moved = await t.caller.leaderboard.position({ period: 'month', uid: 'a' });
    expect(moved.player.rank).toBe((position.player.rank ?? 0) + 1);
  });
});
