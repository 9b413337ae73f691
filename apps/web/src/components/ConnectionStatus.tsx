import { useSyncExternalStore } from 'react';
import { wsClient } from '../trpc';

type ConnectionState = ReturnType<typeof wsClient.connectionState.get>;

function subscribe(onChange: () => void): () => void {
  const subscription = wsClient.connectionState.subscribe({ next: onChange });
  return () => subscription.unsubscribe();
}

function getState(): ConnectionState {
  return wsClient.connectionState.get();
}

/** The subscription WebSocket's state: "pending" means open and able to carry requests. */
export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribe, getState);
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
  const { tone, label } = describe(state);
  const title = state.state === 'connecting' && state.error ? state.error.message : undefined;
  return (
    <span className={`status status-${tone}`} title={title} aria-live="polite">
      <span className="status-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
