/**
 * How long a client waits before its next reconnect attempt: exponential backoff with jitter.
 * Dependency-free so the browser bundle can import it too (`@goated/client/reconnect`).
 *
 * Attempt 0 (the first retry after a working connection dropped) waits 0–`firstMs`, so a
 * restarted server is not hit by every client in the same millisecond; attempt n waits between
 * half and all of `baseMs · 2^(n-1)`, capped at `maxMs`. A server that keeps refusing a
 * connection therefore sees attempts thin out instead of a tight loop.
 */
export interface ReconnectOptions {
  firstMs?: number;
  baseMs?: number;
  maxMs?: number;
  /** Injected in tests; `Math.random` otherwise. */
  random?: () => number;
}

export function reconnectDelay(attempt: number, options: ReconnectOptions = {}): number {
  const { firstMs = 250, baseMs = 1000, maxMs = 30_000, random = Math.random } = options;
  if (attempt <= 0) return Math.round(random() * firstMs);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
