import { waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import type { TrackedEnvelope } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboardUpdates, live } from '../src/live/live';
import { SharedStream, type StreamSink, subscribeDirect } from '../src/live/shared-stream';
import type { LeaderboardPage } from '../src/services/leaderboard';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

const flush = () => new Promise((resolve) => setImmediate(resolve));

function counterStream() {
  let value = 0;
  let loads = 0;
  const listeners = new Set<() => void>();
  let idle = 0;
  const stream = new SharedStream<{ value: number }>({
    load: async () => {
      loads++;
      return { value };
    },
    watch: (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    changed: (prev, next) => prev.value !== next.value,
    onIdle: () => idle++,
  });
  return {
    stream,
    set(next: number) {
      value = next;
      for (const onChange of [...listeners]) onChange();
    },
    loads: () => loads,
    listeners: () => listeners.size,
    idle: () => idle,
  };
}

function collect<T>() {
  const values: T[] = [];
  const sink: StreamSink<T> = { next: (v) => values.push(v), error: (e) => values.push(e as T) };
  return { values, sink };
}

describe('shared stream', () => {
  it('loads once per change for all subscribers and gives each the same frozen event', async () => {
    const c = counterStream();
    const subscribers = Array.from({ length: 5 }, () => collect<TrackedEnvelope<{ value: number }>>());
    const detach = subscribers.map((s) => c.stream.subscribe()[subscribeDirect](s.sink));
    await flush();
    c.set(1);
    await flush();
    expect(c.loads()).toBe(2);
    for (const s of subscribers) expect(s.values).toHaveLength(2);
    const [first, second] = subscribers.map((s) => s.values[1]);
    expect(first).toBe(second);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.[1])).toBe(true);
    expect(first?.[0]).toBe('2');
    for (const d of detach) d();
    expect(c.listeners()).toBe(0);
    expect(c.idle()).toBe(1);
  });

  it('freezes an event through and through: a later write throws instead of going unseen', async () => {
    const stream = new SharedStream<{ rows: { n: number }[]; at: Date }>({
      load: async () => ({ rows: [{ n: 1 }], at: new Date(0) }),
      watch: () => () => {},
    });
    const s = collect<TrackedEnvelope<{ rows: { n: number }[]; at: Date }>>();
    const detach = stream.subscribe()[subscribeDirect](s.sink);
    await flush();
    const event = s.values[0]?.[1];
    expect(Object.isFrozen(event?.rows)).toBe(true);
    expect(Object.isFrozen(event?.rows[0])).toBe(true);
    expect(() => {
      if (event?.rows[0]) event.rows[0].n = 2;
    }).toThrow(TypeError);
    expect(event?.at).toBeInstanceOf(Date);
    detach();
  });

  it('coalesces a burst of changes into one reload after the running one, and skips non-changes', async () => {
    const c = counterStream();
    const s = collect<TrackedEnvelope<{ value: number }>>();
    const detach = c.stream.subscribe()[subscribeDirect](s.sink);
    await flush();
    c.set(0); // no change: reloads, pushes nothing
    await flush();
    c.set(1);
    c.set(2);
    c.set(3);
    await flush();
    await flush();
    // 1 was being loaded when 2 and 3 arrived: those two became one reload.
    expect(s.values.map((e) => e[1].value)).toEqual([0, 1, 3]);
    expect(c.loads()).toBe(4);
    detach();
  });

  it('gives a late subscriber the current state at once, and iterators the latest value only', async () => {
    const c = counterStream();
    const early = collect<TrackedEnvelope<{ value: number }>>();
    const detach = c.stream.subscribe()[subscribeDirect](early.sink);
    await flush();
    const controller = new AbortController();
    const iterator = c.stream.subscribe(controller.signal)[Symbol.asyncIterator]();
    const firstStep = await iterator.next();
    expect(firstStep.value?.[1]).toEqual({ value: 0 });
    c.set(1);
    await flush();
    c.set(2);
    await flush();
    const next = await iterator.next();
    expect(next.value?.[1]).toEqual({ value: 2 }); // 1 was superseded before it was read
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    detach();
    expect(c.listeners()).toBe(0);
  });

  it('fails subscribers when there is nothing to show yet, and keeps the last value otherwise', async () => {
    let fail = true;
    let poke: () => void = () => {};
    const reported: unknown[] = [];
    const stream = new SharedStream<number>({
      load: async () => {
        if (fail) throw new Error('db down');
        return 1;
      },
      watch: (onChange) => {
        poke = onChange;
        return () => {};
      },
      onError: (cause) => reported.push(cause),
    });
    const first = { values: [] as unknown[], errors: [] as unknown[] };
    stream.subscribe()[subscribeDirect]({ next: (v) => first.values.push(v), error: (e) => first.errors.push(e) });
    await flush();
    expect(first.errors).toEqual([new Error('db down')]);

    fail = false;
    poke();
    await flush();
    expect(first.values).toHaveLength(1);
    fail = true;
    poke();
    await flush();
    expect(first.errors).toHaveLength(1); // not failed again: it keeps the value it has
    expect(reported).toEqual([new Error('db down')]);
  });
});

describe.each(testBackends())('leaderboard feed on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
    await insertPlayers(api.handle.db, [
      { uid: 'a', month: '300' },
      { uid: 'b', month: '200' },
    ]);
  });
  afterAll(() => api?.close());

  it('shares one stream per (period, limit) and one snapshot object among its subscribers', async () => {
    const boards = live(api.deps).boardFeeds;
    const one = collect<TrackedEnvelope<LeaderboardPage>>();
    const two = collect<TrackedEnvelope<LeaderboardPage>>();
    const detachOne = leaderboardUpdates(api.deps, { period: 'month', limit: 2 })[subscribeDirect](one.sink);
    const detachTwo = leaderboardUpdates(api.deps, { period: 'month', limit: 2 })[subscribeDirect](two.sink);
    expect(boards.size).toBe(1);
    expect(boards.subscribers('month:2')).toBe(2);
    await waitFor(() => one.values.length > 0, { label: 'the first page', intervalMs: 10 });
    expect(one.values[0]?.[1].entries.map((e) => e.uid)).toEqual(['a', 'b']);
    expect(two.values[0]).toBe(one.values[0]);
    detachOne();
    detachTwo();
    // Idle streams are dropped: the next subscriber starts a fresh one.
    expect(boards.size).toBe(0);
  });
});
