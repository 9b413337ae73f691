import { ConnectionStatus, useTransport } from './components/ConnectionStatus';
import { Leaderboard } from './components/Leaderboard';
import { Races } from './components/Races';

export function App() {
  // Subscriptions are made again (over SSE) if the WebSocket turns out to be blocked.
  const transport = useTransport();
  return (
    <div className="page">
      <header className="header">
        <h1 className="title">
          Goated <span className="accent">VIPs</span>
        </h1>
        <ConnectionStatus />
      </header>
      <main className="grid" key={transport}>
        <Leaderboard />
        <Races />
      </main>
    </div>
  );
}
