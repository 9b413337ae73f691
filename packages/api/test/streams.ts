import type { EventBus, UpstreamSource } from '../src/server';

/** Reads an async iterable in the background; `next(n)` waits until n items have arrived. */
export function consume<T>(iterable: AsyncIterable<T>) {
  const items: T[] = [];
  let wake: () => void = () => {};
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const item of iterable) {
        items.push(item);
        wake();
      }
    } catch (error) {
      failure = error;
      wake();
    }
  })();
  return {
    items,
    done,
    get error() {
      return failure;
    },
    async next(count: number, timeoutMs = 10_000): Promise<T> {
      const started = Date.now();
      while (items.length < count && failure === undefined) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for item ${count}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      if (failure !== undefined) throw failure;
      const item = items[count - 1];
      if (item === undefined) throw new Error(`item ${count} missing`);
      return item;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An upstream that returns whatever the test gives it: uid → monthly (and every other) total. */
export function feed(totals: Record<string, number | string>, at: Date): UpstreamSource {
  return {
    name: 'test-feed',
    fetchRecords: async () =>
      Object.entries(totals).map(([uid, amount]) => ({
        uid,
        name: `Player ${uid}`,
        wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
        updated_at: at.toISOString(),
      })),
  };
}

/** Wraps a bus and counts live subscriptions, to prove streams let go of what they hold. */
export function countingBus(inner: EventBus): EventBus & { active(): number } {
  let active = 0;
  return {
    publish: (topic, payload) => inner.publish(topic, payload),
    subscribe(topic, handler) {
      active++;
      const off = inner.subscribe(topic, handler);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        active--;
        off();
      };
    },
    health: () => inner.health(),
    close: () => inner.close(),
    active: () => active,
  };
}
