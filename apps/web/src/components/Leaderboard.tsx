import { useState } from 'react';
import { formatAmount, formatTime } from '../format';
import { type LeaderboardEntry, type Period, trpc } from '../trpc';

const LIMIT = 10;

const periodTabs = [
  { period: 'today', label: 'Today' },
  { period: 'week', label: 'Week' },
  { period: 'month', label: 'Month' },
  { period: 'all', label: 'All time' },
] as const satisfies readonly { period: Period; label: string }[];

export function Leaderboard() {
  const [period, setPeriod] = useState<Period>('month');
  const input = { period, limit: LIMIT };
  const utils = trpc.useUtils();
  const top = trpc.leaderboard.top.useQuery(input);

  // The subscription sends the current top N first, then again on every change; each tracked
  // event replaces the cached page, so the table stays live without polling.
  trpc.leaderboard.onUpdate.useSubscription(input, {
    onData: (event) => {
      utils.leaderboard.top.setData(input, event.data);
    },
  });

  return (
    <section className="card" aria-labelledby="leaderboard-title">
      <div className="card-head">
        <h2 id="leaderboard-title">Leaderboard</h2>
        {top.data ? <span className="muted small">Updated {formatTime(top.data.generatedAt)}</span> : null}
      </div>
      <div className="tabs">
        {periodTabs.map((tab) => (
          <button
            key={tab.period}
            type="button"
            className={tab.period === period ? 'tab tab-active' : 'tab'}
            aria-pressed={tab.period === period}
            onClick={() => setPeriod(tab.period)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {top.isPending ? (
        <p className="muted">Loading leaderboard…</p>
      ) : top.isError ? (
        <div className="error" role="alert">
          <p>Could not load the leaderboard: {top.error.message}</p>
          <button type="button" className="tab" onClick={() => void top.refetch()}>
            Try again
          </button>
        </div>
      ) : top.data.entries.length === 0 ? (
        <p className="muted">Nobody has wagered in this period yet.</p>
      ) : (
        <LeaderboardTable entries={top.data.entries} />
      )}
    </section>
  );
}

function LeaderboardTable({ entries }: { entries: LeaderboardEntry[] }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col" className="rank">
            #
          </th>
          <th scope="col">Player</th>
          <th scope="col" className="num">
            Wagered
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.uid} className={entry.rank <= 3 ? `podium podium-${entry.rank}` : undefined}>
            <td className="rank">{entry.rank}</td>
            <td className="name" title={entry.name}>
              {entry.name}
            </td>
            <td className="num">{formatAmount(entry.wagered)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
