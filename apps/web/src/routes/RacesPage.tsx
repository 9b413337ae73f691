import { Link, useSearchParams } from 'react-router';
import { Countdown } from '../components/Countdown';
import { Empty, QueryError, SkeletonRows } from '../components/States';
import { RaceStatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatMoney } from '../format';
import { useTitle } from '../hooks/useTitle';
import { type Race, type RaceStatus, trpc } from '../trpc';

const filters = [
  { status: undefined, label: 'All' },
  { status: 'live', label: 'Live' },
  { status: 'upcoming', label: 'Upcoming' },
  { status: 'completed', label: 'Finished' },
] as const satisfies readonly { status: RaceStatus | undefined; label: string }[];

export function RacesPage() {
  useTitle('Races');
  const [params, setParams] = useSearchParams();
  const status = filters.find((f) => f.status === params.get('status'))?.status;
  // Statuses move on by the clock; a slow poll keeps the list current (each race page is live).
  const races = trpc.races.list.useQuery({ status, limit: 50 }, { refetchInterval: 30_000 });

  return (
    <section className="card" aria-labelledby="races-title">
      <div className="card-head">
        <h1 id="races-title">Wager races</h1>
      </div>
      <fieldset className="tabs">
        <legend className="sr-only">Race status</legend>
        {filters.map((filter) => (
          <button
            key={filter.label}
            type="button"
            aria-pressed={filter.status === status}
            className={filter.status === status ? 'tab tab-active' : 'tab'}
            onClick={() => setParams(filter.status ? { status: filter.status } : {})}
          >
            {filter.label}
          </button>
        ))}
      </fieldset>
      {races.isPending ? (
        <SkeletonRows rows={4} label="Loading races" />
      ) : races.isError ? (
        <QueryError error={races.error} what="races" retry={() => void races.refetch()} />
      ) : races.data.races.length === 0 ? (
        <Empty>No races here yet.</Empty>
      ) : (
        <ul className="races">
          {races.data.races.map((race) => (
            <RaceItem key={race.id} race={race} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function RaceItem({ race }: { race: Race }) {
  return (
    <li className="race">
      <div className="race-top">
        <Link className="race-name" to={`/races/${race.id}`}>
          {race.name}
        </Link>
        <RaceStatusBadge status={race.status} />
      </div>
      <div className="race-meta muted small">
        <span>Prize pool {formatMoney(race.prizePool)}</span>
        {race.status === 'live' ? (
          <Countdown to={race.endsAt} label="Ends in" />
        ) : race.status === 'upcoming' ? (
          <Countdown to={race.startsAt} label="Starts in" />
        ) : (
          <span>
            {formatDateTime(race.startsAt)} – {formatDateTime(race.endsAt)}
          </span>
        )}
      </div>
    </li>
  );
}

/** The home page's side panel: races running now, then the next to start. */
export function RacesPanel() {
  const live = trpc.races.list.useQuery({ status: 'live', limit: 3 }, { refetchInterval: 30_000 });
  const upcoming = trpc.races.list.useQuery({ status: 'upcoming', limit: 3 }, { refetchInterval: 30_000 });
  const races = [...(live.data?.races ?? []), ...(upcoming.data?.races ?? [])].slice(0, 4);
  return (
    <section className="card" aria-labelledby="races-panel-title">
      <div className="card-head">
        <h2 id="races-panel-title">Races</h2>
        <Link to="/races" className="small">
          All races →
        </Link>
      </div>
      {live.isPending || upcoming.isPending ? (
        <SkeletonRows rows={3} label="Loading races" />
      ) : live.isError ? (
        <QueryError error={live.error} what="races" retry={() => void live.refetch()} />
      ) : races.length === 0 ? (
        <Empty>No race is running or coming up.</Empty>
      ) : (
        <ul className="races">
          {races.map((race) => (
            <RaceItem key={race.id} race={race} />
          ))}
        </ul>
      )}
    </section>
  );
}
