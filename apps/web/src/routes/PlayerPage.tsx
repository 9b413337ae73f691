import { Link, useParams, useSearchParams } from 'react-router';
import { PlayerName } from '../components/PlayerName';
import { QueryBoundary } from '../components/QueryBoundary';
import { NotFound } from '../components/States';
import { TierBadge, TierProgressBar } from '../components/Tier';
import { WagerHistory } from '../components/WagerHistory';
import { formatDateTime, formatMoney } from '../format';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';
import { periodTabs } from './LeaderboardPage';

const ranges = [7, 30, 90] as const;

export function PlayerPage() {
  const { uid = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const days = ranges.find((r) => String(r) === params.get('days')) ?? 30;
  // The profile and the history load at once (the history does not wait for the profile); the
  // tab's title follows the profile.
  const player = trpc.players.get.useQuery({ uid }, { enabled: uid.length > 0, refetchInterval: 30_000 });
  trpc.players.history.usePrefetchQuery({ uid, days });
  useTitle(player.data?.name ?? 'Player');
  return (
    <QueryBoundary
      what="this player"
      loading={{ rows: 6, label: 'Loading player' }}
      notFound={<NotFound>No player “{uid}” is on the leaderboard.</NotFound>}
    >
      <Player uid={uid} days={days} onDays={(range) => setParams({ days: String(range) }, { replace: true })} />
    </QueryBoundary>
  );
}

function Player({ uid, days, onDays }: { uid: string; days: number; onDays: (range: number) => void }) {
  const [profile] = trpc.players.get.useSuspenseQuery({ uid }, { refetchInterval: 30_000 });
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
                onClick={() => onDays(range)}
              >
                {range}d
              </button>
            ))}
          </fieldset>
        </div>
        <WagerHistory uid={uid} days={days} rows={5} />
      </section>
    </div>
  );
}
