import { describe, expect, it } from 'vitest';
import { QueryCache } from '../src/events/query-cache';
import { type FeedSource, SharedFeeds } from '../src/events/shared-feed';
import { consume, sleep } from './streams';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('QueryCache', () => {
  it('shares one load between concurrent misses and serves hits from memory', async () => {
    const cache = new QueryCache<number>({ maxEntries: 10, maxAgeMs: 60_000 });
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, await cache.get('k', load)]).toEqual([1, 1, 1]);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1 });
  });

  it('never stores a load that was running when the cache was cleared', async () => {
    const cache = new QueryCache<string>({ maxEntries: 10, maxAgeMs: 60_000 });
    const slow = deferred<string>();
    const inFlight = cache.get('k', () => slow.promise);
    cache.clear(); // the data changed while the old query ran
    const fresh = cache.get('k', async () => 'new');
    slow.resolve('old');
    expect(await inFlight).toBe('old');
    expect(await fresh).toBe('new');
    expect(await cache.get('k', async () => 'newer')).toBe('new');
  });

  it('does not keep failures, evicts the least recently used, and honours expiry', async () => {
    let now = 0;
    const cache = new QueryCache<string>({ maxEntries: 2, maxAgeMs: 1000, now: () => now });
    await expect(cache.get('x', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('x', async () => 'ok')).toBe('ok');

    await cache.get('a', async () => 'a');
    await cache.get('x', async () => 'unused'); // x is now the most recently used
    await cache.get('b', async () => 'b'); // evicts a
    expect(await cache.get('a', async () => 'a2')).toBe('a2');

    expect(
      await cache.get(
        'e',
        async () => 'e1',
        () => now + 10,
      ),
    ).toBe('e1');
    now += 11;
    expect(await cache.get('e', async () => 'e2')).toBe('e2');
    now += 1000;
    expect(await cache.get('e', async () => 'e3')).toBe('e3');
  });
});

describe('SharedFeeds', () => {
  /** A source whose value and change notifications the test drives. */
  function source(initial: number) {
    let value = initial;
    let loads = 0;
    const listeners = new Set<() => void>();
    const src: FeedSource<{ n: number }> = {
      load: async () => {
        loads++;
        return { n: value };
      },
      same: (a, b) => a.n === b.n,
      watch: (onChange) => {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
    };
    return {
      src,
      set(next: number) {
        value = next;
        for (const l of listeners) l();
      },
      listeners,
      loads: () => loads,
    };
  }

  it('gives a slow subscriber the newest value, not a backlog', async () => {
    const feeds = new SharedFeeds<{ n: number }>({ intervalMs: 10 });
    const s = source(0);
    const controller = new AbortController();
    const iterator = feeds.subscribe('k', () => s.src, controller.signal);
    expect((await iterator.next()).value?.[1]).toEqual({ n: 0 });
    for (let i = 1; i <= 5; i++) {
      s.set(i);
      await sleep(30); // each change is recomputed and published while nobody reads
    }
    expect((await iterator.next()).value?.[1]).toEqual({ n: 5 });
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    expect(feeds.size).toBe(0);
    expect(s.listeners.size).toBe(0);
  });

  it('reports a failed first load to every waiting subscriber and lets the next one retry', async () => {
    const feeds = new SharedFeeds<{ n: number }>({ intervalMs: 10 });
    let fail = true;
    const listeners = new Set<() => void>();
    const src: FeedSource<{ n: number }> = {
      load: async () => {
        if (fail) throw new Error('db down');
        return { n: 1 };
      },
      same: () => false,
      watch: (onChange) => {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
    };
    const a = consume(feeds.subscribe('k', () => src));
    const b = consume(feeds.subscribe('k', () => src));
    await Promise.all([a.done, b.done]);
    expect(String(a.error)).toMatch(/db down/);
    expect(String(b.error)).toMatch(/db down/);
    expect(feeds.size).toBe(0);
    expect(listeners.size).toBe(0);

    fail = false;
    const controller = new AbortController();
    const c = consume(feeds.subscribe('k', () => src, controller.signal));
    expect((await c.next(1))[1]).toEqual({ n: 1 });
    controller.abort();
    await c.done;
  });

  it('keeps the last value when a recomputation fails, and recovers on the next change', async () => {
    const errors: unknown[] = [];
    const feeds = new SharedFeeds<{ n: number }>({ intervalMs: 10, onError: (e) => errors.push(e) });
    const s = source(1);
    const load = s.src.load;
    let broken = false;
    s.src.load = () => (broken ? Promise.reject(new Error('timeout')) : load());
    const controller = new AbortController();
    const stream = consume(feeds.subscribe('k', () => s.src, controller.signal));
    await stream.next(1);
    broken = true;
    s.set(2);
    await sleep(50);
    expect(errors).toHaveLength(1);
    expect(stream.items).toHaveLength(1);
    broken = false;
    s.set(3);
    expect((await stream.next(2))[1]).toEqual({ n: 3 });
    controller.abort();
    await stream.done;
  });
});
