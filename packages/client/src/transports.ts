/**
 * The WebSocket and EventSource implementations subscriptions use. Browsers and Node 22+ have a
 * global WebSocket; older Node needs the `ws` package, and Node has no EventSource of its own
 * (the `eventsource` package). Both packages are optional peers: loaded here if installed.
 */
import type { EventSource as EventSourcePackage } from 'eventsource';

export type WebSocketConstructor = typeof globalThis.WebSocket;
export type EventSourceConstructor = typeof EventSourcePackage;

async function optional<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch {
    return null;
  }
}

export const WebSocketImpl: WebSocketConstructor | null =
  globalThis.WebSocket ??
  // `ws` implements the same interface (its own typings differ in details tRPC does not use).
  (await optional(async () => (await import('ws')).default as unknown as WebSocketConstructor));

export const EventSourceImpl: EventSourceConstructor | null = await optional(
  async () => (await import('eventsource')).EventSource,
);

/** What to tell a user whose Node lacks the transport they asked for. */
export function missingTransport(transport: 'ws' | 'sse'): string {
  return transport === 'ws'
    ? 'Subscriptions need a WebSocket: this Node has none built in (Node 22+ does). Install the `ws` package next to @goated/client (npm install ws).'
    : 'Subscriptions over Server-Sent Events need the `eventsource` package: npm install eventsource (Node has no EventSource of its own).';
}
