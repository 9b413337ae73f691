import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  wsLink,
} from '@trpc/client';
import { EventSource, type FetchLike } from 'eventsource';
import superjson from 'superjson';
import WebSocket from 'ws';
import { reconnectDelay } from './reconnect';
import type { AppRouter } from './root';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** An API key or session token, sent as a bearer token (and as a WebSocket connection param). */
  token?: string;
  /**
   * How subscriptions travel: one WebSocket (default), or Server-Sent Events for networks
   * that block WebSockets. Same events, same authentication.
   */
  transport?: 'ws' | 'sse';
  /** Delay before reconnect attempt n (default: exponential backoff with jitter, see reconnect.ts). */
  retryDelayMs?: (attempt: number) => number;
}

export interface Client {
  /** The typed procedures: `api.leaderboard.top.query({ period: 'month' })`. */
  api: TRPCClient<AppRouter>;
  /** Closes the WebSocket (if one was opened). */
  close(): Promise<void>;
}

/**
 * A typed client for scripts and services on Node: queries and mutations over batched HTTP,
 * subscriptions over a WebSocket that opens only when first needed and reconnects by itself
 * with backoff and jitter — also while the server cannot reach its database — resubscribing
 * tracked streams with their last event id. With `transport: 'sse'`, subscriptions use
 * Server-Sent Events instead (the EventSource resumes with `Last-Event-ID`).
 */
export function createClient(options: ClientOptions): Client {
  const httpUrl = `${options.url.replace(/\/+$/, '')}/trpc`;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  const { token } = options;
  const connectionParams = token ? { token } : null;

  const wsClient =
    options.transport === 'sse'
      ? null
      : createWSClient({
          url: wsUrl,
          // Node 20 has no global WebSocket; `ws` implements the same interface.
          WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
          lazy: { enabled: true, closeMs: 0 },
          keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
          retryDelayMs: options.retryDelayMs ?? ((attempt) => reconnectDelay(attempt)),
          connectionParams,
        });

  // EventSource cannot set headers itself; this fetch adds the bearer token to each (re)connect.
  const authorizedFetch: FetchLike = (url, init) =>
    fetch(url, { ...init, headers: { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  const subscriptionLink = wsClient
    ? wsLink<AppRouter>({ client: wsClient, transformer: superjson })
    : httpSubscriptionLink<AppRouter, typeof EventSource>({
        url: httpUrl,
        transformer: superjson,
        EventSource,
        // The token goes in a header, not in `connectionParams`, which would put it in the URL.
        eventSourceOptions: { fetch: authorizedFetch },
      });

  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptionLink,
        false: httpBatchLink({
          url: httpUrl,
          transformer: superjson,
          // Split batches whose GET URL would exceed what proxies reliably accept.
          maxURLLength: 4000,
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        }),
      }),
    ],
  });

  return {
    api,
    close: async () => {
      await wsClient?.close();
    },
  };
}
