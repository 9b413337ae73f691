import type { AppEvents, EventBus, EventTopic } from './bus';

export interface BusEventsOptions<T extends EventTopic> {
  /** Events that fail it are never queued. */
  filter?: (payload: AppEvents[T]) => boolean;
  /**
   * Most events held for a consumer that is behind; past it the oldest is dropped so a stuck
   * consumer cannot grow memory without bound. Default 100.
   */
  maxQueued?: number;
  /** Called with the dropped event, so the caller can log it. */
  onDrop?: (payload: AppEvents[T]) => void;
}

/**
 * Every event on `topic` from the moment of the call, in order, as an async iterable (for
 * subscriptions that forward each event rather than a coalesced state; see `changes` for that).
 * It listens at once — not on first `next()` — so a caller can replay stored history first
 * without missing what happens meanwhile. Ends when `signal` aborts; iterate it to the end or
 * `return()` it, which unsubscribes.
 */
export function busEvents<T extends EventTopic>(
  bus: EventBus,
  topic: T,
  signal: AbortSignal | undefined,
  options: BusEventsOptions<T> = {},
): AsyncGenerator<AppEvents[T]> {
  const maxQueued = options.maxQueued ?? 100;
  const queue: AppEvents[T][] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe(topic, (payload) => {
    if (options.filter && !options.filter(payload)) return;
    queue.push(payload);
    if (queue.length > maxQueued) {
      const dropped = queue.shift();
      if (dropped !== undefined) options.onDrop?.(dropped);
    }
    wake?.();
  });
  const onAbort = () => {
    unsubscribe();
    wake?.();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  return (async function* () {
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        yield next;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
  })();
}
