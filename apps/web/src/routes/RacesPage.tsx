import { Link } from 'react-router';
import { Countdown } from '../components/Countdown';
import { PlayerName } from '../components/PlayerName';
import { Medal } from '../components/Podium';
import { Empty, QueryError, SkeletonRows } from '../components/States';
import { RaceStatusBadge } from '../components/StatusBadge';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useTitle } from '../hooks/useTitle';
import { type Race, trpc } from '../trpc';

type ArchivedRace = Race & { winners: { rank: number; uid: string; name: string; prize: string }[] };

const ARCHIVE_PAGE = 10;

/** Races as a programme: running now, coming up, and the archive of finished ones with winners. */
export function RacesPage() {
  useTitle('Races');
  return (
    <div className="stack">
      <section className="card" aria-labelledby="races-title">
        <div className="card-head">
          <h1 id="races-title">Wager races</h1>
          <span className="muted small">Wager inside the window, finish on a paid place, win</span>
        </div>
        <h2 className="subhead">Live now</h2>
        <RaceList status="live" empty="No race is running right now." />
        <h2 className="subhead">Coming up</h2>
        <RaceList status="upcoming" empty="No race is scheduled yet." />
      </section>
      <RaceArchive />
    </div>
  );
}

function RaceList({ status, empty }: { status: 'live' | 'upcoming'; empty: string }) {
  // Statuses move on by the clock; a slow poll keeps the lists current (each race page is live).
  const query = trpc.races.list.useQuery({ status, limit: 20 }, { refetchInterval: 30_000 });
  if (query.isPending) return <SkeletonRows rows={2} label="Loading races" />;
  if (query.isError) return <QueryError error={query.error} what="races" retry={() => void query.refetch()} />;
  if (query.data.races.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="races">
      {query.data.races.map((race) => (
        <RaceItem key={race.id} race={race} />
      ))}
    </ul>
  );
}

/** Finished races, newest first, each with its winners; more on demand. */
function RaceArchive() {
  const archive = trpc.races.list.useInfiniteQuery(
    { status: 'completed', limit: ARCHIVE_PAGE },
    { getNextPageParam: (page) => page.nextCursor ?? undefined },
  );
  const races = archive.data?.pages.flatMap((page) => page.races) ?? [];
  return (
    <section className="card" aria-labelledby="archive-title">
      <div className="card-head">
        <h2 id="archive-title">Past races</h2>
        <span className="muted small">Newest first</span>
      </div>
      {archive.isPending ? (
        <SkeletonRows rows={3} label="Loading past races" />
      ) : archive.isError ? (
        <QueryError error={archive.error} what="past races" retry={() => void archive.refetch()} />
      ) : races.length === 0 ? (
        <Empty>No race has finished yet.</Empty>
      ) : (
        <>
          <ol className="archive">
            {races.map((race) => (
              <ArchiveItem key={race.id} race={race} />
            ))}
          </ol>
          {archive.hasNextPage ? (
            <button
              type="button"
              className="btn"
              disabled={archive.isFetchingNextPage}
              onClick={() => void archive.fetchNextPage()}
            >
              {archive.isFetchingNextPage ? 'Loading…' : 'Older races'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function ArchiveItem({ race }: { race: ArchivedRace }) {
  return (
    <li className="archive-item" data-archived-race={race.name}>
      <div className="race-top">
        <Link className="race-name" to={`/races/${race.id}`}>
          {race.name}
        </Link>
        <span className="muted small">
          {formatDate(race.endsAt)} · pool {formatMoney(race.prizePool)}
        </span>
      </div>
      {race.winners.length === 0 ? (
        <p className="muted small">Nobody was ranked.</p>
      ) : (
        <ol className="winners" aria-label={`Winners of ${race.name}`}>
          {race.winners.map((winner) => (
            <li key={winner.rank} className="winner" data-rank={winner.rank}>
              <Medal rank={winner.rank} />
              <span className="sr-only">{`#${winner.rank}`}</span>
              <Link className="winner-name" to={`/players/${encodeURIComponent(winner.uid)}`}>
                <PlayerName name={winner.name} />
              </Link>
              <span className="winner-prize">{formatMoney(winner.prize)}</span>
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

export function RaceItem({ race }: { race: Race }) {
  return (
    <li className="race" data-race-item={race.name}>
      <div className="race-top">
        <Link className="race-name" to={`/races/${race.id}`}>
          {race.name}
        </Link>
        <RaceStatusBadge status={race.status} />
      </div>
      <div className="race-meta muted small">
        <span>
          Prize pool <strong className="race-pool">{formatMoney(race.prizePool)}</strong>
        </span>
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
