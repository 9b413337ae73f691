import { consume, deferred, sleep, waitFor } from '@goated/testing';
import { describe, expect, it } from 'vitest';
import { QueryCache } from '../src/live/query-cache';
import { SharedStream, type SharedStreamOptions } from '../src/live/shared-stream';

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

describe('SharedStream with a coalescing interval', () => {
  type Source = Pick<SharedStreamOptions<{ n: number }>, 'load' | 'watch' | 'changed'>;
  /** A source whose value and change notifications the test drives. */
  function source(initial: number) {
    let value = initial;
    let loads = 0;
    const listeners = new Set<() => void>();
    const src: Source = {
      load: async () => {
        loads++;
        return { n: value };
      },
      changed: (a, b) => a.n !== b.n,
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

  it('turns a burst of changes inside one interval into one reload and one push', async () => {
    const s = source(0);
    const stream = new SharedStream({ ...s.src, intervalMs: 50 });
    const controller = new AbortController();
    const reader = consume(stream.subscribe(controller.signal));
    expect((await reader.next(1))[1]).toEqual({ n: 0 });
    for (let i = 1; i <= 10; i++) s.set(i);
    expect((await reader.next(2))[1]).toEqual({ n: 10 });
    await sleep(120);
    expect(reader.items).toHaveLength(2);
    expect(s.loads()).toBe(2);
    controller.abort();
    await reader.done;
  });

  it('gives a slow subscriber the newest value, not a backlog', async () => {
    let idle = false;
    const s = source(0);
    const stream = new SharedStream({
      ...s.src,
      intervalMs: 10,
      onIdle: () => {
        idle = true;
      },
    });
    const controller = new AbortController();
    const iterator = stream.subscribe(controller.signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.[1]).toEqual({ n: 0 });
    for (let i = 1; i <= 5; i++) {
      s.set(i);
      await sleep(30); // each change is reloaded and published while nobody reads
    }
    expect((await iterator.next()).value?.[1]).toEqual({ n: 5 });
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    expect(idle).toBe(true);
    expect(stream.subscriberCount).toBe(0);
    expect(s.listeners.size).toBe(0);
  });

  it('reports a failed first load to every waiting subscriber', async () => {
    const listeners = new Set<() => void>();
    const stream = new SharedStream<{ n: number }>({
      load: async () => {
        throw new Error('db down');
      },
      watch: (onChange) => {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
      intervalMs: 10,
    });
    const a = consume(stream.subscribe());
    const b = consume(stream.subscribe());
    await Promise.all([a.done, b.done]);
    expect(String(a.error)).toMatch(/db down/);
    expect(String(b.error)).toMatch(/db down/);
    expect(stream.subscriberCount).toBe(0);
    expect(listeners.size).toBe(0);
  });

  it('keeps the last value when a reload fails, and recovers on the next change', async () => {
    const errors: unknown[] = [];
    const s = source(1);
    const load = s.src.load;
    let broken = false;
    const stream = new SharedStream({
      ...s.src,
      load: () => (broken ? Promise.reject(new Error('timeout')) : load()),
      intervalMs: 10,
      onError: (e) => errors.push(e),
    });
    const controller = new AbortController();
    const reader = consume(stream.subscribe(controller.signal));
    await reader.next(1);
    broken = true;
    s.set(2);
    await waitFor(() => errors.length > 0, { label: 'the failed reload' });
    expect(errors).toHaveLength(1);
    expect(reader.items).toHaveLength(1);
    broken = false;
    s.set(3);
    expect((await reader.next(2))[1]).toEqual({ n: 3 });
    controller.abort();
    await reader.done;
  });
});
