import { lazy, Suspense } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { PlayerName } from '../components/PlayerName';
import { Empty, NotFound, QueryError, SkeletonRows } from '../components/States';
import { TierBadge, TierProgressBar } from '../components/Tier';
import { formatDateTime, formatMoney } from '../format';
import { useTitle } from '../hooks/useTitle';
import { isNotFound } from '../queryClient';
import { trpc } from '../trpc';
import { periodTabs } from './LeaderboardPage';

// The chart library loads only once there is a chart to draw: a missing player says so at once.
const WagerChart = lazy(() => import('../components/WagerChart').then((m) => ({ default: m.WagerChart })));

const ranges = [7, 30, 90] as const;

export function PlayerPage() {
  const { uid = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const days = ranges.find((r) => String(r) === params.get('days')) ?? 30;
  const player = trpc.players.get.useQuery({ uid }, { enabled: uid.length > 0, refetchInterval: 30_000 });
  const history = trpc.players.history.useQuery({ uid, days }, { enabled: uid.length > 0 });
  useTitle(player.data?.name ?? 'Player');

  if (player.isPending) return <SkeletonRows rows={6} label="Loading player" />;
  if (player.isError && isNotFound(player.error)) {
    return <NotFound>No player “{uid}” is on the leaderboard.</NotFound>;
  }
  if (player.isError) return <QueryError error={player.error} what="this player" retry={() => void player.refetch()} />;
  const profile = player.data;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="player-title">
        <div className="card-head">
          <h1 id="player-title" className="player-title">
            <PlayerName name={profile.name} /> <TierBadge tier={profile.tier} />
          </h1>
          <span className="muted small">Updated {formatDateTime(profile.upstreamUpdatedAt)}</span>
        </div>
        <TierProgressBar tier={profile.tier} progress={profile.tierProgress} />
        <dl className="facts facts-4">
          {periodTabs.map((tab) => {
            const stats = profile.periods[tab.period];
            return (
              <div key={tab.period}>
                <dt>{tab.label}</dt>
                <dd>
                  {formatMoney(stats.wagered)}
                  <span className="muted small"> {stats.rank ? `#${stats.rank}` : 'unranked'}</span>
                </dd>
              </div>
            );
          })}
        </dl>
        {profile.races.length > 0 ? (
          <>
            <h2 className="subhead">In live races</h2>
            <ul className="plain">
              {profile.races.map((race) => (
                <li key={race.raceId}>
                  <Link to={`/races/${race.raceId}`}>{race.name}</Link>:{' '}
                  {race.rank ? `#${race.rank}, ${formatMoney(race.wagered)} wagered` : 'not ranked yet'}
                  {race.prize !== '0.00' ? ` (prize ${formatMoney(race.prize)})` : ''}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="history-title">
        <div className="card-head">
          <h2 id="history-title">Wager history</h2>
          <fieldset className="tabs">
            <legend className="sr-only">Range</legend>
            {ranges.map((range) => (
              <button
                key={range}
                type="button"
                aria-pressed={range === days}
                className={range === days ? 'tab tab-active' : 'tab'}
                onClick={() => setParams({ days: String(range) }, { replace: true })}
              >
                {range}d
              </button>
            ))}
          </fieldset>
        </div>
        {history.isPending ? (
          <SkeletonRows rows={5} label="Loading history" />
        ) : history.isError ? (
          <QueryError error={history.error} what="the history" retry={() => void history.refetch()} />
        ) : history.data.days.every((d) => d.wagered === '0.00') ? (
          <Empty>No wagers in the last {days} days.</Empty>
        ) : (
          <ErrorBoundary what="the chart">
            <Suspense fallback={<SkeletonRows rows={5} label="Loading the chart" />}>
              <WagerChart days={history.data.days} />
            </Suspense>
          </ErrorBoundary>
        )}
      </section>
    </div>
  );
}
