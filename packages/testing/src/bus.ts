import { createInProcessBus, type EventBus, type EventTopic } from '@goated/api/server';

export interface CountingBus extends EventBus {
  /** Live subscriptions on every topic. */
  active(): number;
  /** Live subscriptions on one topic (what a leaked subscription holds). */
  listeners(topic: EventTopic): number;
}

/**
 * Wraps a bus (the in-process one unless given) and counts live subscriptions, to prove
 * streams and sockets let go of what they hold. Unsubscribing twice counts once.
 */
export function countingBus(inner: EventBus = createInProcessBus()): CountingBus {
  const counts = new Map<EventTopic, number>();
  let active = 0;
  return {
    publish: (topic, payload) => inner.publish(topic, payload),
    subscribe(topic, handler) {
      active++;
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
      const unsubscribe = inner.subscribe(topic, handler);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        active--;
        counts.set(topic, (counts.get(topic) ?? 1) - 1);
        unsubscribe();
      };
    },
    health: () => inner.health(),
    close: () => inner.close(),
    active: () => active,
    listeners: (topic) => counts.get(topic) ?? 0,
  };
}
