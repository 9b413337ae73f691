import { formatAmount, formatDateTime } from '../format';
import { type Race, type RaceStatus, trpc } from '../trpc';

const statusLabel: Record<RaceStatus, string> = {
  upcoming: 'Upcoming',
  live: 'Live',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export function Races() {
  // Races change rarely and have no subscription yet; a slow poll keeps statuses current.
  const races = trpc.races.list.useQuery({ limit: 5 }, { refetchInterval: 60_000 });

  return (
    <section className="card" aria-labelledby="races-title">
      <div className="card-head">
        <h2 id="races-title">Races</h2>
      </div>
      {races.isPending ? (
        <p className="muted">Loading races…</p>
      ) : races.isError ? (
        <div className="error" role="alert">
          <p>Could not load races: {races.error.message}</p>
          <button type="button" className="tab" onClick={() => void races.refetch()}>
            Try again
          </button>
        </div>
      ) : races.data.races.length === 0 ? (
        <p className="muted">No races yet.</p>
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

function RaceItem({ race }: { race: Race }) {
  return (
    <li className="race">
      <div className="race-top">
        <span className="race-name">{race.name}</span>
        <span className={`badge badge-${race.status}`}>{statusLabel[race.status]}</span>
      </div>
      <div className="race-meta muted small">
        <span>Prize pool {formatAmount(race.prizePool)}</span>
        <span>
          {formatDateTime(race.startsAt)} – {formatDateTime(race.endsAt)}
        </span>
      </div>
    </li>
  );
}
