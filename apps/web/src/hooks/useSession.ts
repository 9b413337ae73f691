import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';
import { reconnectWithNewSession, trpc } from '../trpc';

/** The signed-in user (null when signed out), shared by every component through the query cache. */
export function useMe() {
  return trpc.auth.me.useQuery(undefined, { staleTime: 60_000 });
}

// Bumped on every sign-in and sign-out: the page's streams are made again under the new session
// (the server ends a signed-out session's subscriptions).
let sessionEpoch = 0;
const epochListeners = new Set<() => void>();

function subscribeEpoch(onChange: () => void): () => void {
  epochListeners.add(onChange);
  return () => epochListeners.delete(onChange);
}

export function useSessionEpoch(): number {
  return useSyncExternalStore(subscribeEpoch, () => sessionEpoch);
}

/**
 * After sign-in, sign-up or sign-out: the WebSocket reconnects with the new cookie, every
 * cached query (some depend on who asks) is fetched again and subscriptions start over.
 */
export function useSessionChanged(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    reconnectWithNewSession();
    sessionEpoch += 1;
    for (const onChange of epochListeners) onChange();
    await queryClient.resetQueries();
  }, [queryClient]);
}
