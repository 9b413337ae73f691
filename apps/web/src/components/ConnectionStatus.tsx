import { useSyncExternalStore } from 'react';
import { type Transport, transportStore, wsClient } from '../trpc';

type WsClient = NonNullable<typeof wsClient>;
type ConnectionState = ReturnType<WsClient['connectionState']['get']>;

const noSocket: ConnectionState = { type: 'state', state: 'idle', error: null };

function subscribe(onChange: () => void): () => void {
  const subscription = wsClient?.connectionState.subscribe({ next: onChange });
  return () => subscription?.unsubscribe();
}

function getState(): ConnectionState {
  return wsClient?.connectionState.get() ?? noSocket;
}

/** Which transport carries subscriptions: the WebSocket, or SSE after a fallback. */
export function useTransport(): Transport {
  return useSyncExternalStore(transportStore.subscribe, transportStore.get);
}

/** The subscription WebSocket's state: "pending" means open and able to carry requests. */
export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribe, getState);
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** The browser's own view of the network (airplane mode, cable out). */
function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

function describe(state: ConnectionState): { tone: 'live' | 'reconnecting' | 'offline'; label: string } {
  switch (state.state) {
    case 'pending':
      return { tone: 'live', label: 'Live' };
    case 'connecting':
      return { tone: 'reconnecting', label: state.error ? 'Reconnecting…' : 'Connecting…' };
    case 'idle':
      return { tone: 'offline', label: 'Offline' };
  }
}

export function ConnectionStatus() {
  const state = useConnectionState();
  const transport = useTransport();
  const online = useOnline();
  // Over SSE each stream reconnects by itself (EventSource); the WebSocket state no longer applies.
  const { tone, label } = !online
    ? { tone: 'offline' as const, label: 'Offline' }
    : transport === 'sse'
      ? { tone: 'live' as const, label: 'Live (SSE)' }
      : describe(state);
  const title = state.state === 'connecting' && state.error ? state.error.message : undefined;
  return (
    <span className={`status status-${tone}`} data-state={tone} title={title} role="status" aria-live="polite">
      <span className="status-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
