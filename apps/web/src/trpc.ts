// Types only: the router's runtime code (database, server) never enters the browser bundle.
// The one runtime import from @goated/api is the client package's dependency-free reconnect delay.
import type { AppRouter, RouterInputs, RouterOutputs } from '@goated/api';
import { reconnectDelay } from '@goated/client/reconnect';
import type { Period } from '@goated/validators';
import {
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClientErrorLike,
  wsLink,
} from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import superjson from 'superjson';

export type { Period, RouterInputs, RouterOutputs };
export type LeaderboardPage = RouterOutputs['leaderboard']['top'];
export type LeaderboardEntry = LeaderboardPage['entries'][number];
export type RacePage = RouterOutputs['races']['list'];
export type Race = RacePage['races'][number];
export type RaceStatus = Race['status'];
export type RaceStandings = RouterOutputs['races']['standings'];
export type TierBadge = LeaderboardEntry['tier'];
export type PlayerProfile = RouterOutputs['players']['get'];
export type TierProgress = PlayerProfile['tierProgress'];
export type VipTier = RouterOutputs['vip']['tiers'][number];
export type Mvps = RouterOutputs['leaderboard']['mvps'];
export type SiteInfo = RouterOutputs['site']['info'];
export type Me = NonNullable<RouterOutputs['auth']['me']>;
export type InboxNotification = RouterOutputs['notifications']['list']['notifications'][number];
export type LiveNotification = RouterOutputs['notifications']['onNotify'] extends AsyncIterable<infer T> ? T : never;
export type AccountStanding = NonNullable<RouterOutputs['account']['standing']>;
export type RaceStanding = AccountStanding['races'][number];
/** Any error a procedure call can fail with, with the server's `data` (code, zod issues) typed. */
export type ApiError = TRPCClientErrorLike<AppRouter>;

export const trpc = createTRPCReact<AppRouter>();

/** The API lives on the same origin (the Vite dev server proxies /trpc, including WebSockets). */
function wsUrl(): string {
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${window.location.host}/trpc`;
}

/**
 * How subscriptions travel: a WebSocket, or Server-Sent Events where WebSockets are blocked
 * (some proxies and corporate networks). Same events, same session cookie.
 */
export type Transport = 'ws' | 'sse';

/** A WebSocket that never opened after this many tries means the network blocks it. */
const FAILURES_BEFORE_FALLBACK = 2;

let transport: Transport = typeof WebSocket === 'undefined' ? 'sse' : 'ws';
let wsEverOpened = false;
let wsFailures = 0;
const transportListeners = new Set<() => void>();

export const transportStore = {
  get: (): Transport => transport,
  subscribe(onChange: () => void): () => void {
    transportListeners.add(onChange);
    return () => transportListeners.delete(onChange);
  },
};

function fallBackToSse(): void {
  if (transport === 'sse') return;
  transport = 'sse';
  // Its pending subscriptions never started; the components resubscribe over SSE (App keys on
  // the transport).
  void wsClient?.close();
  for (const onChange of transportListeners) onChange();
}

/**
 * One WebSocket for every subscription; it reconnects with backoff and jitter and resumes tracked
 * streams. None in a browser without WebSockets: subscriptions use SSE from the start.
 */
export const wsClient: ReturnType<typeof createWSClient> | null =
  typeof WebSocket === 'undefined'
    ? null
    : createWSClient({
        url: wsUrl,
        keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
        retryDelayMs: (attempt) => reconnectDelay(attempt),
        onOpen: () => {
          wsEverOpened = true;
        },
        onClose: () => {
          if (!wsEverOpened && ++wsFailures >= FAILURES_BEFORE_FALLBACK) fallBackToSse();
        },
      });

/**
 * A WebSocket's server context is made once, when it opens, from the cookie it carried. After
 * signing in or out the socket is dropped so the client reconnects with the new cookie; the
 * streams resubscribe on the new socket.
 */
export function reconnectWithNewSession(): void {
  wsClient?.connection?.ws.close();
}

const sseLink = httpSubscriptionLink({ url: '/trpc', transformer: superjson });

export const trpcClient = trpc.createClient({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: splitLink({
        // Decided per subscription, so new ones follow a fallback at once.
        condition: () => transport === 'sse',
        true: sseLink,
        false: wsClient ? wsLink({ client: wsClient, transformer: superjson }) : sseLink,
      }),
      false: httpBatchLink({ url: '/trpc', transformer: superjson }),
    }),
  ],
});
