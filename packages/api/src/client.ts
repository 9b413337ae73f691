import { createTRPCClient, createWSClient, httpBatchLink, splitLink, type TRPCClient, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import type { AppRouter } from './root';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** An API key or session token, sent as a bearer token (and as a WebSocket connection param). */
  token?: string;
}

export interface Client {
  /** The typed procedures: `api.leaderboard.top.query({ period: 'month' })`. */
  api: TRPCClient<AppRouter>;
  /** Closes the WebSocket (if one was opened). */
  close(): Promise<void>;
}

/**
 * A typed client for scripts and services on Node: queries and mutations over batched HTTP,
 * subscriptions over a WebSocket that opens only when first needed and reconnects by itself.
 */
export function createClient(options: ClientOptions): Client {
  const httpUrl = `${options.url.replace(/\/+$/, '')}/trpc`;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  const { token } = options;

  const wsClient = createWSClient({
    url: wsUrl,
    // Node 20 has no global WebSocket; `ws` implements the same interface.
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    lazy: { enabled: true, closeMs: 0 },
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    connectionParams: token ? { token } : null,
  });

  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient, transformer: superjson }),
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
      await wsClient.close();
    },
  };
}
