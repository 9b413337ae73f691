import { Link } from 'react-router';
import { Countdown } from '../components/Countdown';
import { LoadMore } from '../components/LoadMore';
import { PlayerName } from '../components/PlayerName';
import { Medal } from '../components/Podium';
import { QueryBoundary } from '../components/QueryBoundary';
import { Empty } from '../components/States';
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
        <QueryBoundary what="races" loading={{ rows: 2, label: 'Loading races' }}>
          <RaceList status="live" empty="No race is running right now." />
        </QueryBoundary>
        <h2 className="subhead">Coming up</h2>
        <QueryBoundary what="races" loading={{ rows: 2, label: 'Loading races' }}>
          <RaceList status="upcoming" empty="No race is scheduled yet." />
        </QueryBoundary>
      </section>
      <section className="card" aria-labelledby="archive-title">
        <div className="card-head">
          <h2 id="archive-title">Past races</h2>
          <span className="muted small">Newest first</span>
        </div>
        <QueryBoundary what="past races" loading={{ rows: 3, label: 'Loading past races' }}>
          <RaceArchive />
        </QueryBoundary>
      </section>
    </div>
  );
}

function RaceList({ status, empty }: { status: 'live' | 'upcoming'; empty: string }) {
  // Statuses move on by the clock; a slow poll keeps the lists current (each race page is live).
  const [{ races }] = trpc.races.list.useSuspenseQuery({ status, limit: 20 }, { refetchInterval: 30_000 });
  if (races.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="races">
      {races.map((race) => (
        <RaceItem key={race.id} race={race} />
      ))}
    </ul>
  );
}

/** Finished races, newest first, each with its winners; more on demand. */
function RaceArchive() {
  const [archive, query] = trpc.races.list.useSuspenseInfiniteQuery(
    { status: 'completed', limit: ARCHIVE_PAGE },
    { getNextPageParam: (page) => page.nextCursor ?? undefined },
  );
  const races = archive.pages.flatMap((page) => page.races);
  if (races.length === 0) return <Empty>No race has finished yet.</Empty>;
  return (
    <>
      <ol className="archive">
        {races.map((race) => (
          <ArchiveItem key={race.id} race={race} />
        ))}
      </ol>
      <LoadMore query={query} label="Older races" busyText="Loading…" />
    </>
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

/** A race's name (a link to its page) and its status, at the top of a race in a list. */
export function RaceTop({ race }: { race: Race }) {
  return (
    <div className="race-top">
      <Link className="race-name" to={`/races/${race.id}`}>
        {race.name}
      </Link>
      <RaceStatusBadge status={race.status} />
    </div>
  );
}

export function RaceItem({ race }: { race: Race }) {
  return (
    <li className="race" data-race-item={race.name}>
      <RaceTop race={race} />
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
  return (
    <section className="card" aria-labelledby="races-panel-title">
      <div className="card-head">
        <h2 id="races-panel-title">Races</h2>
        <Link to="/races" className="small">
          All races →
        </Link>
      </div>
      <QueryBoundary what="races" loading={{ rows: 3, label: 'Loading races' }}>
        <NextRaces />
      </QueryBoundary>
    </section>
  );
}

function NextRaces() {
  const [[live, upcoming]] = trpc.useSuspenseQueries((t) => [
    t.races.list({ status: 'live', limit: 3 }, { refetchInterval: 30_000 }),
    t.races.list({ status: 'upcoming', limit: 3 }, { refetchInterval: 30_000 }),
  ]);
  const races = [...live.races, ...upcoming.races].slice(0, 4);
  if (races.length === 0) return <Empty>No race is running or coming up.</Empty>;
  return (
    <ul className="races">
      {races.map((race) => (
        <RaceItem key={race.id} race={race} />
      ))}
    </ul>
  );
}
