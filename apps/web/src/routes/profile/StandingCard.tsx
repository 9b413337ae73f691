import { Link } from 'react-router';
import { Countdown } from '../../components/Countdown';
import { PlayerName } from '../../components/PlayerName';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Empty } from '../../components/States';
import { TierProgressBar } from '../../components/Tier';
import { WagerHistory } from '../../components/WagerHistory';
import { formatDateTime, formatMoney } from '../../format';
import { type RaceStanding, trpc } from '../../trpc';
import { periodTabs } from '../LeaderboardPage';

function place(rank: number): string {
  return `#${rank.toLocaleString('en-US')}`;
}

/** "My standing": the linked player's ranks per period, live race places and wager history. */
export function StandingCard() {
  return (
    <QueryBoundary what="your standing" loading={{ rows: 4, label: 'Loading your standing' }}>
      <Standing />
    </QueryBoundary>
  );
}

function Standing() {
  const [mine] = trpc.account.standing.useSuspenseQuery(undefined, { refetchInterval: 30_000 });
  if (!mine) return null;

  return (
    <section className="card" aria-labelledby="standing-title" data-standing={mine.uid}>
      <div className="card-head">
        <h2 id="standing-title">My standing</h2>
        <span className="muted small">Updated {formatDateTime(mine.upstreamUpdatedAt)}</span>
      </div>
      <p>
        Casino player{' '}
        <Link to={`/players/${encodeURIComponent(mine.uid)}`}>
          <PlayerName name={mine.name} />
        </Link>
      </p>
      <TierProgressBar tier={mine.tier} progress={mine.tierProgress} />
      <dl className="facts facts-4">
        {periodTabs.map((tab) => {
          const stats = mine.periods[tab.period];
          return (
            <div key={tab.period} data-period={tab.period}>
              <dt>{tab.label}</dt>
              <dd>
                {stats.rank ? place(stats.rank) : <span className="muted">unranked</span>}
                <span className="muted small"> · {formatMoney(stats.wagered)}</span>
              </dd>
            </div>
          );
        })}
      </dl>

      <h3 className="subhead">Live races</h3>
      {mine.races.length === 0 ? (
        <Empty>No race is live right now.</Empty>
      ) : (
        <ul className="plain standing-races">
          {mine.races.map((race) => (
            <RaceLine key={race.raceId} race={race} />
          ))}
        </ul>
      )}

      <h3 className="subhead">Wagered, last 30 days</h3>
      <WagerHistory uid={mine.uid} days={30} rows={3} />
    </section>
  );
}

function RaceLine({ race }: { race: RaceStanding }) {
  const paid = race.prize !== '0.00';
  return (
    <li className="panel standing-race" data-race-id={race.raceId}>
      <div className="race-top">
        <Link to={`/races/${race.raceId}`} className="race-name">
          {race.name}
        </Link>
        <Countdown to={race.endsAt} label="ends in" />
      </div>
      <p>
        {race.rank === null ? (
          <span className="muted">Not ranked yet</span>
        ) : (
          <>
            <strong className="standing-rank">{place(race.rank)}</strong> · {formatMoney(race.wagered)} wagered
            {paid ? (
              <>
                {' '}
                · pays <span className="prize">{formatMoney(race.prize)}</span>
              </>
            ) : null}
          </>
        )}
      </p>
      <p className="muted small">
        {race.next
          ? `${formatMoney(race.next.gap)} more reaches ${place(race.next.rank)}${
              race.next.prize !== '0.00' ? `, which pays ${formatMoney(race.next.prize)}` : ''
            }.`
          : 'You lead the race.'}{' '}
        {race.paidPlaces} paid {race.paidPlaces === 1 ? 'place' : 'places'}, pool {formatMoney(race.prizePool)}.
      </p>
    </li>
  );
}
