import { Link, useParams } from 'react-router';
import { Countdown } from '../components/Countdown';
import { Empty, QueryError, SkeletonRows } from '../components/States';
import { RaceStatusBadge } from '../components/StatusBadge';
import { formatAmount, formatDateTime } from '../format';
import { useTitle } from '../hooks/useTitle';
import { type Race, type RaceStandings, trpc } from '../trpc';

/** Paid ranks are shown even before anyone holds them; at least the top 10. */
function standingsLimit(race: Race): number {
  return Math.min(100, Math.max(10, race.prizes.length));
}

export function RacePage() {
  const { raceId: raw } = useParams();
  const raceId = Number(raw);
  const valid = Number.isInteger(raceId) && raceId > 0;
  const race = trpc.races.get.useQuery({ raceId }, { enabled: valid, refetchInterval: 30_000 });
  useTitle(race.data?.name ?? 'Race');

  if (!valid) return <Empty>There is no race at this address.</Empty>;
  if (race.isPending) return <SkeletonRows rows={6} label="Loading race" />;
  if (race.isError) return <QueryError error={race.error} what="this race" retry={() => void race.refetch()} />;
  return <RaceView race={race.data} />;
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
      if (event.data.status !== race.status) void utils.races.get.invalidate({ raceId: race.id });
    },
  });
  const status = standings.data?.status ?? race.status;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="race-title">
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
            <dd>{formatAmount(race.prizePool)}</dd>
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
        </dl>
      </section>
      <section className="card" aria-labelledby="standings-title">
        <div className="card-head">
          <h2 id="standings-title">{frozen && status === 'completed' ? 'Final results' : 'Standings'}</h2>
          {standings.data && !frozen ? <span className="muted small">Live</span> : null}
        </div>
        {standings.isPending ? (
          <SkeletonRows rows={5} label="Loading standings" />
        ) : standings.isError ? (
          <QueryError error={standings.error} what="standings" retry={() => void standings.refetch()} />
        ) : (
          <StandingsTable race={race} standings={standings.data} />
        )}
      </section>
    </div>
  );
}

function StandingsTable({ race, standings }: { race: Race; standings: RaceStandings }) {
  if (standings.status === 'cancelled') return <Empty>This race was cancelled; no prizes are paid.</Empty>;
  if (standings.status === 'upcoming') {
    return (
      <>
        <Empty>The race has not started yet. Prizes:</Empty>
        <PrizeList race={race} />
      </>
    );
  }
  const byRank = new Map(standings.standings.map((s) => [s.rank, s]));
  const ranks = Math.max(race.prizes.length, standings.standings.length);
  if (ranks === 0) return <Empty>Nobody has wagered in this race yet.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table table-race">
        <thead>
          <tr>
            <th scope="col" className="rank">
              #
            </th>
            <th scope="col">Player</th>
            <th scope="col" className="num">
              Wagered
            </th>
            <th scope="col" className="num">
              Prize
            </th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: ranks }, (_, i) => {
            const rank = i + 1;
            const standing = byRank.get(rank);
            const prize = standing?.prize ?? race.prizes[i]?.prize ?? '0.00';
            return (
              <tr key={rank} className={rank <= 3 ? `podium podium-${rank}` : undefined}>
                <td className="rank">{rank}</td>
                <td className="name">
                  {standing ? (
                    <Link to={`/players/${encodeURIComponent(standing.uid)}`}>{standing.name}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="num">{standing ? formatAmount(standing.wagered) : ''}</td>
                <td className="num prize">
                  {prize === '0.00' ? <span className="muted">—</span> : formatAmount(prize)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PrizeList({ race }: { race: Race }) {
  return (
    <ol className="prizes">
      {race.prizes.map((p) => (
        <li key={p.rank}>
          <span className="muted">#{p.rank}</span> {formatAmount(p.prize)}
        </li>
      ))}
    </ol>
  );
}
