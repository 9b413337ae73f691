import { Link } from 'react-router';
import { formatMoney } from '../format';
import { isZero } from '../money';
import { gapToNextPrize } from '../standings';
import type { Race, RaceStanding, RaceStandings } from '../trpc';
import { PlayerName } from './PlayerName';
import { Empty } from './States';
import { TierBadge } from './Tier';

export interface You {
  uid: string;
  /** Their place in this live race (null: not known, e.g. a finished race). */
  place: RaceStanding | null;
}

/**
 * Every paid rank (held or open) and everyone ranked beyond them: wager, the prize the rank pays,
 * and how far each player is from the next better prize.
 */
export function RaceStandingsTable({
  race,
  standings,
  you,
}: {
  race: Race;
  standings: RaceStandings;
  you: You | null;
}) {
  const byRank = new Map(standings.standings.map((s) => [s.rank, s]));
  const ranks = Math.max(race.prizes.length, standings.standings.length);
  if (ranks === 0) return <Empty>Nobody has wagered in this race yet.</Empty>;
  const prizeOf = (rank: number) => byRank.get(rank)?.prize ?? race.prizes[rank - 1]?.prize ?? '0.00';
  const live = !standings.final;
  return (
    <div className="table-wrap">
      <table className="table table-race">
        <thead>
          <tr>
            <th scope="col" className="rank">
              #
            </th>
            <th scope="col">Player</th>
            <th scope="col" className="num hide-narrow">
              Wagered
            </th>
            <th scope="col" className="num">
              Prize
            </th>
            {live ? (
              <th scope="col" className="num hide-narrow">
                To next prize
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: ranks }, (_, i) => {
            const rank = i + 1;
            const standing = byRank.get(rank);
            const prize = prizeOf(rank);
            const isYou = standing !== undefined && standing.uid === you?.uid;
            const next =
              live && standing ? gapToNextPrize(rank, standing.wagered, prizeOf, (r) => byRank.get(r)) : null;
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
                    <>
                      <Link to={`/players/${encodeURIComponent(standing.uid)}`}>
                        <PlayerName name={standing.name} />
                      </Link>
                      <TierBadge tier={standing.tier} compact />
                    </>
                  ) : (
                    <span className="muted">Open</span>
                  )}
                  {isYou ? <span className="you-tag">You</span> : null}
                  {standing ? (
                    <span className="gap-line show-narrow wager-line">{formatMoney(standing.wagered)} wagered</span>
                  ) : null}
                  {next ? (
                    <span className="gap-line show-narrow">
                      {formatMoney(next.gap)} to #{next.rank}
                    </span>
                  ) : null}
                </td>
                <td className="num hide-narrow">{standing ? formatMoney(standing.wagered) : ''}</td>
                <td className="num prize" data-prize={prize}>
                  {isZero(prize) ? <span className="muted">—</span> : formatMoney(prize)}
                </td>
                {live ? (
                  <td className="num gap hide-narrow">
                    {next ? (
                      <>
                        {formatMoney(next.gap)} <span className="gap-to">to #{next.rank}</span>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                ) : null}
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
                <span className="gap-line show-narrow wager-line">{formatMoney(you.place.wagered)} wagered</span>
                {you.place.next ? (
                  <span className="gap-line">
                    {formatMoney(you.place.next.gap)} more reaches #{you.place.next.rank}
                  </span>
                ) : null}
              </td>
              <td className="num hide-narrow">{formatMoney(you.place.wagered)}</td>
              <td className="num prize">
                {isZero(you.place.prize) ? <span className="muted">—</span> : formatMoney(you.place.prize)}
              </td>
              {live ? <td className="num hide-narrow" /> : null}
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
