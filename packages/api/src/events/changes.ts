import type { EventBus, EventTopic } from './bus';

/**
 * Yields once after each burst of events on `topic`: events that arrive while the consumer is
 * busy collapse into one wake-up, so a slow consumer never queues a backlog. Ends when
 * `signal` aborts.
 */
export async function* changes(
  bus: EventBus,
  topic: EventTopic,
  signal: AbortSignal | undefined,
): AsyncGenerator<void> {
  let pending = false;
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe(topic, () => {
    pending = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      pending = false;
      yield;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}
