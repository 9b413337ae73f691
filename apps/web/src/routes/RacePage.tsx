import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { Countdown } from '../components/Countdown';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { Podium, podiumOf } from '../components/Podium';
import { PrizeTable } from '../components/PrizeTable';
import { QueryBoundary } from '../components/QueryBoundary';
import { RaceStandingsTable, type You } from '../components/RaceStandingsTable';
import { Empty, NotFound, QueryError, SkeletonRows } from '../components/States';
import { RaceStatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatMoney } from '../format';
import { useMe } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { isZero } from '../money';
import { type Race, trpc } from '../trpc';

// The chart library loads with the first chart, not with the page.
const PrizeChart = lazy(() => import('../components/PrizeChart').then((m) => ({ default: m.PrizeChart })));

/** Paid ranks are shown even before anyone holds them; at least the top 10. */
function standingsLimit(race: Race): number {
  return Math.min(100, Math.max(10, race.prizes.length));
}

export function RacePage() {
  const { raceId: raw } = useParams();
  const raceId = Number(raw);
  const valid = Number.isInteger(raceId) && raceId > 0;
  // The tab's title follows the race; the view below waits for it.
  const race = trpc.races.get.useQuery({ raceId }, { enabled: valid, refetchInterval: 30_000 });
  useTitle(race.data?.name ?? 'Race');

  if (!valid) return <NotFound>There is no race at this address.</NotFound>;
  return (
    <QueryBoundary
      what="this race"
      loading={{ rows: 6, label: 'Loading race' }}
      notFound={<NotFound>There is no race number {raceId}.</NotFound>}
    >
      <LoadedRace raceId={raceId} />
    </QueryBoundary>
  );
}

function LoadedRace({ raceId }: { raceId: number }) {
  const [race] = trpc.races.get.useSuspenseQuery({ raceId }, { refetchInterval: 30_000 });
  return <RaceView race={race} />;
}

function RaceView({ race }: { race: Race }) {
  const limit = standingsLimit(race);
  const input = { raceId: race.id, limit };
  const utils = trpc.useUtils();
  const standings = trpc.races.standings.useQuery(input);
  const frozen = standings.data?.final ?? false;
  // Live: every change is pushed; a finished race's results never change, so no stream.
  trpc.races.onUpdate.useSubscription(input, {
    enabled: !frozen && race.status !== 'cancelled',
    onData: (event) => {
      utils.races.standings.setData(input, event.data);
      void utils.account.standing.invalidate();
      if (event.data.status !== race.status) void utils.races.get.invalidate({ raceId: race.id });
    },
  });
  const status = standings.data?.status ?? race.status;
  // The signed-in user's own place in this race, for the highlighted or pinned "You" row.
  const youUid = useMe().data?.playerUid ?? null;
  const mine = trpc.account.standing.useQuery(undefined, { enabled: youUid !== null && !frozen });
  const you: You | null = youUid
    ? { uid: youUid, place: mine.data?.races.find((r) => r.raceId === race.id) ?? null }
    : null;
  const paid = race.prizes.filter((p) => !isZero(p.prize));
  const showPodium = (status === 'live' || status === 'completed') && standings.data !== undefined;

  return (
    <div className="stack">
      <section className="card race-hero" aria-labelledby="race-title">
        <p className="small">
          <Link to="/races">← All races</Link>
        </p>
        <div className="card-head">
          <h1 id="race-title">{race.name}</h1>
          <RaceStatusBadge status={status} />
        </div>
        {race.description ? <p className="muted">{race.description}</p> : null}
        <dl className="facts">
          <div>
            <dt>Prize pool</dt>
            <dd className="pool">{formatMoney(race.prizePool)}</dd>
          </div>
          <div>
            <dt>Window</dt>
            <dd>
              {formatDateTime(race.startsAt)} – {formatDateTime(race.endsAt)}
            </dd>
          </div>
          <div>
            <dt>{status === 'upcoming' ? 'Starts' : status === 'live' ? 'Ends' : 'Status'}</dt>
            <dd>
              {status === 'upcoming' ? (
                <Countdown to={race.startsAt} label="in" />
              ) : status === 'live' ? (
                <Countdown to={race.endsAt} label="in" />
              ) : status === 'completed' ? (
                `Finished${race.finalizedAt ? ` ${formatDateTime(race.finalizedAt)}` : ''}`
              ) : (
                'Cancelled'
              )}
            </dd>
          </div>
          {race.minWager !== '0.00' ? (
            <div>
              <dt>Minimum wager</dt>
              <dd>{formatMoney(race.minWager)}</dd>
            </div>
          ) : null}
        </dl>
        {showPodium ? (
          <Podium
            places={podiumOf(race, standings.data)}
            label={status === 'completed' ? 'Winners' : 'Top three now'}
          />
        ) : null}
      </section>
      {status !== 'cancelled' && paid.length > 0 ? (
        <section className="card" aria-labelledby="prizes-title">
          <div className="card-head">
            <h2 id="prizes-title">Prizes</h2>
            <span className="muted small">
              {paid.length} paid {paid.length === 1 ? 'place' : 'places'} · {formatMoney(race.prizePool)}
            </span>
          </div>
          <div className={status === 'upcoming' ? 'prize-split' : undefined}>
            <ErrorBoundary what="the prize chart">
              <Suspense fallback={<SkeletonRows rows={4} label="Loading the prize chart" />}>
                <PrizeChart prizes={paid} />
              </Suspense>
            </ErrorBoundary>
            {status === 'upcoming' ? <PrizeTable prizes={paid} pool={race.prizePool} /> : null}
          </div>
        </section>
      ) : null}
      {status === 'upcoming' ? null : (
        <section className="card" aria-labelledby="standings-title">
          <div className="card-head">
            <h2 id="standings-title">{frozen && status === 'completed' ? 'Final results' : 'Standings'}</h2>
            {standings.data && !frozen ? <span className="muted small">Live</span> : null}
          </div>
          {status === 'cancelled' ? (
            <Empty>This race was cancelled; no prizes are paid.</Empty>
          ) : standings.isPending ? (
            <SkeletonRows rows={5} label="Loading standings" />
          ) : standings.isError ? (
            <QueryError error={standings.error} what="standings" retry={() => void standings.refetch()} />
          ) : (
            <RaceStandingsTable race={race} standings={standings.data} you={you} />
          )}
        </section>
      )}
    </div>
  );
}
