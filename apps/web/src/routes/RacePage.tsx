import { Link, useParams } from 'react-router';
import { Countdown } from '../components/Countdown';
import { Empty, NotFound, QueryError, SkeletonRows } from '../components/States';
import { RaceStatusBadge } from '../components/StatusBadge';
import { formatDateTime, formatMoney } from '../format';
import { useMe } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { isNotFound } from '../queryClient';
import { type Race, type RaceStanding, type RaceStandings, trpc } from '../trpc';

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

  if (!valid) return <NotFound>There is no race at this address.</NotFound>;
  if (race.isPending) return <SkeletonRows rows={6} label="Loading race" />;
  if (race.isError && isNotFound(race.error)) return <NotFound>There is no race number {raceId}.</NotFound>;
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
      void utils.account.standing.invalidate();
      if (event.data.status !== race.status) void utils.races.get.invalidate({ raceId: race.id });
    },
  });
  const status = standings.data?.status ?? race.status;
  // The signed-in user's own place in this race, for the highlighted or pinned "You" row.
  const youUid = useMe().data?.playerUid ?? null;
  const mine = trpc.account.standing.useQuery(undefined, { enabled: youUid !== null && !frozen });
  const you = youUid ? { uid: youUid, place: mine.data?.races.find((r) => r.raceId === race.id) ?? null } : null;

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
            <dd>{formatMoney(race.prizePool)}</dd>
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
          <StandingsTable race={race} standings={standings.data} you={you} />
        )}
      </section>
    </div>
  );
}

interface You {
  uid: string;
  /** Their place in this live race (null: not known, e.g. a finished race). */
  place: RaceStanding | null;
}

function StandingsTable({ race, standings, you }: { race: Race; standings: RaceStandings; you: You | null }) {
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
            const isYou = standing !== undefined && standing.uid === you?.uid;
            const classes = [rank <= 3 ? `podium podium-${rank}` : '', isYou ? 'row-you' : ''].join(' ').trim();
            return (
              <tr
                key={rank}
                className={classes || undefined}
                data-uid={standing?.uid}
                aria-current={isYou ? 'true' : undefined}
              >
                <td className="rank">{rank}</td>
                <td className="name">
                  {standing ? (
                    <Link to={`/players/${encodeURIComponent(standing.uid)}`}>{standing.name}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                  {isYou ? <span className="you-tag">You</span> : null}
                </td>
                <td className="num">{standing ? formatMoney(standing.wagered) : ''}</td>
                <td className="num prize">
                  {prize === '0.00' ? <span className="muted">—</span> : formatMoney(prize)}
                </td>
              </tr>
            );
          })}
        </tbody>
        {you?.place && !standings.standings.some((s) => s.uid === you.uid) ? (
          <tfoot>
            <tr className="row-you row-pinned" data-uid={you.uid} aria-current="true">
              <td className="rank">{you.place.rank ?? '–'}</td>
              <td className="name">
                <span className="you-tag">
                  You · {you.place.rank ? `#${you.place.rank.toLocaleString('en-US')}` : 'not ranked yet'}
                </span>
                {you.place.next ? (
                  <span className="muted small">
                    {' '}
                    {formatMoney(you.place.next.gap)} more reaches #{you.place.next.rank}
                  </span>
                ) : null}
              </td>
              <td className="num">{formatMoney(you.place.wagered)}</td>
              <td className="num prize">
                {you.place.prize === '0.00' ? <span className="muted">—</span> : formatMoney(you.place.prize)}
              </td>
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}

function PrizeList({ race }: { race: Race }) {
  return (
    <ol className="prizes">
      {race.prizes.map((p) => (
        <li key={p.rank}>
          <span className="muted">#{p.rank}</span> {formatMoney(p.prize)}
        </li>
      ))}
    </ol>
  );
}
