import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
  type TRPCLink,
  wsLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import { noAnswerError, unreachableError, unreachableReason } from './errors';
import { reconnectDelay } from './reconnect';
import type { AppRouter } from './router';
import { EventSourceImpl, missingTransport, WebSocketImpl } from './transports';
import { versionMismatch, warnOnce } from './version';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** An API key or session token, sent as a bearer token (and as a WebSocket connection param). */
  token?: string | null | undefined;
  /**
   * How subscriptions travel: one WebSocket (default), or Server-Sent Events for networks
   * that block WebSockets. Same events, same authentication.
   */
  transport?: 'ws' | 'sse';
  /** Delay before reconnect attempt n (default: exponential backoff with jitter, see reconnect.ts). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * How long a query or mutation waits for the server's answer before it fails with a
   * `ServerUnreachableError` ("no answer within 30 s"; `serverUnreachable(err)` tells it).
   * Default 30 s; `false` waits as long as the platform's fetch does (minutes). One call can
   * set its own: `mutate(input, { context: { timeoutMs: 120_000 } })`. Subscriptions have no
   * such bound: they are meant to stay open, and their keepalive notices a silent server.
   */
  timeoutMs?: number | false;
  /**
   * Told once per server when the server's version is incompatible with this client's (checked
   * with the first call, riding in its batch). Default: a warning on stderr. `false`: no check.
   */
  onVersionMismatch?: ((message: string) => void) | false;
}

export interface Client {
  /** The typed procedures: `api.leaderboard.top.query({ period: 'month' })`. */
  api: TRPCClient<AppRouter>;
  /** Closes the WebSocket (if one was opened). */
  close(): Promise<void>;
}

/** Fails every subscription at once with what to install, instead of retrying forever. */
function unavailableLink(message: string): TRPCLink<AppRouter> {
  return () => () => observable((observer) => observer.error(new TRPCClientError(message)));
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The call's own `context.timeoutMs` when it sets one, otherwise the client's. */
function timeoutOf(context: Record<string, unknown>, fallback: number | false): number | false {
  const own = context.timeoutMs;
  return typeof own === 'number' || own === false ? own : fallback;
}

/**
 * A query or mutation that has no answer after its timeout fails with `noAnswerError`, and is
 * unsubscribed from (which aborts its request once nothing else in its batch waits on it).
 */
function timeoutLink(url: string, timeoutMs: number | false): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const ms = op.type === 'subscription' ? false : timeoutOf(op.context, timeoutMs);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => {
            clearTimeout(timer);
            observer.complete();
          },
          error: (err) => {
            clearTimeout(timer);
            observer.error(err);
          },
        });
        if (ms !== false && ms > 0) {
          timer = setTimeout(() => {
            subscription.unsubscribe();
            observer.error(noAnswerError(url, ms));
          }, ms);
        }
        return () => {
          clearTimeout(timer);
          subscription.unsubscribe();
        };
      });
}

/** fetch's bare "fetch failed" becomes an error naming the address that was tried and why. */
function unreachableLink(url: string): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: (err) => {
            const reason = unreachableReason(err);
            observer.error(reason ? unreachableError(url, reason, err) : err);
          },
        }),
      );
}

/**
 * A typed client for scripts and services: queries and mutations over batched HTTP,
 * subscriptions over a WebSocket that opens only when first needed and reconnects by itself
 * with backoff and jitter — also while the server cannot reach its database — resubscribing
 * tracked streams with their last event id. With `transport: 'sse'`, subscriptions use
 * Server-Sent Events instead (the EventSource resumes with `Last-Event-ID`).
 */
export function createClient(options: ClientOptions): Client {
  const baseUrl = options.url.replace(/\/+$/, '');
  const httpUrl = `${baseUrl}/trpc`;
  const { token } = options;
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const transport = options.transport ?? 'ws';

  const wsClient =
    transport === 'ws' && WebSocketImpl
      ? createWSClient({
          url: httpUrl.replace(/^http/, 'ws'),
          WebSocket: WebSocketImpl,
          lazy: { enabled: true, closeMs: 0 },
          keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
          retryDelayMs: options.retryDelayMs ?? ((attempt) => reconnectDelay(attempt)),
          connectionParams: token ? { token } : null,
        })
      : null;

  let subscriptionLink: TRPCLink<AppRouter>;
  if (wsClient) {
    subscriptionLink = wsLink<AppRouter>({ client: wsClient, transformer: superjson });
  } else if (transport === 'sse' && EventSourceImpl) {
    subscriptionLink = httpSubscriptionLink<AppRouter, typeof EventSourceImpl>({
      url: httpUrl,
      transformer: superjson,
      EventSource: EventSourceImpl,
      // EventSource cannot set headers itself: this fetch adds the bearer token to each (re)connect.
      // (Not `connectionParams`, which would put the token in the URL.)
      eventSourceOptions: {
        fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...authorization } }),
      },
    });
  } else {
    subscriptionLink = unavailableLink(missingTransport(transport));
  }

  // The first call carries a version check in its batch; an incompatible server is reported once.
  let versionChecked = options.onVersionMismatch === false;
  const report = options.onVersionMismatch || ((message: string) => console.warn(`warning: ${message}`));
  const versionLink: TRPCLink<AppRouter> =
    () =>
    ({ op, next }) => {
      if (!versionChecked) {
        versionChecked = true;
        api.health.status.query().then(
          (health) => {
            const mismatch = versionMismatch(health.version, baseUrl);
            if (mismatch) warnOnce(mismatch, baseUrl, report);
          },
          // The caller's own request reports an unreachable server.
          () => {},
        );
      }
      return next(op);
    };

  const api: TRPCClient<AppRouter> = createTRPCClient<AppRouter>({
    links: [
      versionLink,
      unreachableLink(baseUrl),
      timeoutLink(baseUrl, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptionLink,
        false: httpBatchLink({
          url: httpUrl,
          transformer: superjson,
          // Split batches whose GET URL would exceed what proxies reliably accept.
          maxURLLength: 4000,
          headers: () => authorization,
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
