import { createInProcessBus, type EventBus, type EventTopic } from '@goated/api/server';
import WebSocket from 'ws';

/** Polls `check` until it holds; fails with `label` after `timeoutMs`. */
export async function waitFor(check: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The in-process bus, counting live listeners per topic (what a leaked subscription holds). */
export function countingBus(): EventBus & { listeners(topic: EventTopic): number } {
  const inner = createInProcessBus();
  const counts = new Map<EventTopic, number>();
  return {
    publish: (topic, payload) => inner.publish(topic, payload),
    subscribe(topic, handler) {
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
      const unsubscribe = inner.subscribe(topic, handler);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        counts.set(topic, (counts.get(topic) ?? 1) - 1);
        unsubscribe();
      };
    },
    health: () => inner.health(),
    close: () => inner.close(),
    listeners: (topic) => counts.get(topic) ?? 0,
  };
}

export interface RawSocket {
  socket: WebSocket;
  /** Every JSON frame received, parsed. */
  frames: unknown[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

/** A bare `ws` client speaking the tRPC protocol by hand, to misbehave in precise ways. */
export function openRawSocket(url: string): RawSocket {
  const socket = new WebSocket(url);
  const frames: unknown[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    if (text !== 'PING' && text !== 'PONG') frames.push(JSON.parse(text));
  });
  socket.on('error', () => {
    // the close event carries what the tests check
  });
  return {
    socket,
    frames,
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    closed: new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

/** The tRPC subscribe message for `leaderboard.onUpdate` (superjson input). */
export function subscribeMessage(id: number, input: { period: string; limit?: number } = { period: 'month' }) {
  return { id, method: 'subscription', params: { path: 'leaderboard.onUpdate', input: { json: input } } };
}
