import type { AppEvents, EventBus, EventHandler, EventTopic } from './bus';

/** The embedded default: events fan out inside this process only. */
export function createInProcessBus(): EventBus {
  const handlers = new Map<EventTopic, Set<(payload: never) => void>>();

  return {
    async publish<T extends EventTopic>(topic: T, payload: AppEvents[T]) {
      const set = handlers.get(topic);
      if (!set) return;
      for (const handler of [...set]) {
        try {
          (handler as EventHandler<T>)(payload);
        } catch (err) {
          // One broken subscriber must not stop delivery to the others.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    },
    subscribe<T extends EventTopic>(topic: T, handler: EventHandler<T>) {
      let set = handlers.get(topic);
      if (!set) {
        set = new Set();
        handlers.set(topic, set);
      }
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },
    health: () => ({ kind: 'in-process', connected: true }),
    async close() {
      handlers.clear();
    },
  };
}
