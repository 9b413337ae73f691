import { ConnectionStatus } from './components/ConnectionStatus';
import { Leaderboard } from './components/Leaderboard';
import { Races } from './components/Races';

export function App() {
  return (
    <div className="page">
      <header className="header">
        <h1 className="title">
          Goated <span className="accent">VIPs</span>
        </h1>
        <ConnectionStatus />
      </header>
      <main className="grid">
        <Leaderboard />
        <Races />
      </main>
    </div>
  );
}
