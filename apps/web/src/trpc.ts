// Types only: the router's runtime code (database, server) never enters the browser bundle.
import type { AppRouter, Period, RouterInputs, RouterOutputs } from '@goated/api';
import { createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import superjson from 'superjson';

export type { Period, RouterInputs, RouterOutputs };
export type LeaderboardPage = RouterOutputs['leaderboard']['top'];
export type LeaderboardEntry = LeaderboardPage['entries'][number];
export type RacePage = RouterOutputs['races']['list'];
export type Race = RacePage['races'][number];
export type RaceStatus = Race['status'];

export const trpc = createTRPCReact<AppRouter>();

/** The API lives on the same origin (the Vite dev server proxies /trpc, including WebSockets). */
function wsUrl(): string {
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${window.location.host}/trpc`;
}

/** One WebSocket for every subscription; it reconnects by itself and resumes tracked streams. */
export const wsClient = createWSClient({
  url: wsUrl,
  keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
});

export const trpcClient = trpc.createClient({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink({ client: wsClient, transformer: superjson }),
      false: httpBatchLink({ url: '/trpc', transformer: superjson }),
    }),
  ],
});
