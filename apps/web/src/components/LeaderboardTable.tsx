import { Link } from 'react-router';
import { formatMoney, playerNameText } from '../format';
import { useBoardMovement } from '../hooks/useBoardMovement';
import type { LeaderboardEntry, TierBadge as TierBadgeData } from '../trpc';
import { PlayerName } from './PlayerName';
import { TierBadge } from './Tier';

/** The signed-in player's own place, pinned under the table when it is not on the page. */
export interface PinnedRow {
  uid: string;
  name: string;
  /** null: not ranked in this period. */
  rank: number | null;
  wagered: string;
  tier: TierBadgeData;
}

export function LeaderboardTable({
  entries,
  boardKey,
  youUid = null,
  pinned = null,
  prizeByUid = null,
}: {
  entries: LeaderboardEntry[];
  boardKey: string;
  /** The signed-in user's linked player: that row is highlighted. */
  youUid?: string | null;
  pinned?: PinnedRow | null;
  /** What each player would win in the live race now: a prize column is shown when given. */
  prizeByUid?: ReadonlyMap<string, string> | null;
}) {
  const movement = useBoardMovement(entries, boardKey);
  const youShown = youUid !== null && entries.some((e) => e.uid === youUid);
  const showPrize = prizeByUid !== null && prizeByUid.size > 0;
  return (
    <div className="table-wrap">
      <table className={showPrize ? 'table table-board table-board-prize' : 'table table-board'}>
        <thead>
          <tr>
            <th scope="col" className="rank">
              #
            </th>
            <th scope="col">Player</th>
            <th scope="col" className="num">
              Wagered
            </th>
            {showPrize ? (
              <th scope="col" className="num prize-col hide-narrow">
                <abbr title="What the live race pays this player now">Race prize</abbr>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const you = entry.uid === youUid;
            const prize = prizeByUid?.get(entry.uid);
            const classes = [
              entry.rank <= 3 ? `podium podium-${entry.rank}` : '',
              movement.changed.has(entry.uid) ? 'row-changed' : '',
              you ? 'row-you' : '',
            ].join(' ');
            return (
              <tr
                key={entry.uid}
                className={classes.trim() || undefined}
                data-uid={entry.uid}
                data-changed={movement.changed.has(entry.uid) ? 'true' : undefined}
                aria-current={you ? 'true' : undefined}
              >
                <td className="rank">
                  <span className="rank-number">{entry.rank}</span>
                  <Movement moved={movement.moved.get(entry.uid)} />
                </td>
                <td className="name" title={playerNameText(entry.name)}>
                  <Link to={`/players/${encodeURIComponent(entry.uid)}`}>
                    <PlayerName name={entry.name} />
                  </Link>
                  {you ? <span className="you-tag">You</span> : null}
                  <TierBadge tier={entry.tier} compact />
                  {prize ? <span className="gap-line show-narrow prize">Race prize {formatMoney(prize)}</span> : null}
                </td>
                <td className="num">{formatMoney(entry.wagered)}</td>
                {showPrize ? (
                  <td className="num prize hide-narrow">
                    {prize ? formatMoney(prize) : <span className="muted">—</span>}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
        {pinned && !youShown ? (
          <tfoot>
            <tr className="row-you row-pinned" data-uid={pinned.uid} aria-current="true">
              <td className="rank">{pinned.rank ?? '–'}</td>
              <td className="name" title={playerNameText(pinned.name)}>
                <span className="you-tag">
                  You · {pinned.rank ? `#${pinned.rank.toLocaleString('en-US')}` : 'not ranked'}
                </span>{' '}
                <Link to={`/players/${encodeURIComponent(pinned.uid)}`}>
                  <PlayerName name={pinned.name} />
                </Link>
                <TierBadge tier={pinned.tier} compact />
              </td>
              <td className="num">{formatMoney(pinned.wagered)}</td>
              {showPrize ? <td className="num prize hide-narrow" /> : null}
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}

/** ▲ 3 / ▼ 1 since the previous push; a player new to this page shows ▲ "new". */
function Movement({ moved }: { moved: number | 'new' | undefined }) {
  if (moved === undefined || moved === 0) return null;
  if (moved === 'new') {
    return (
      <span className="move move-up" title="New on this page since the last update">
        ▲<span className="sr-only"> new</span>
      </span>
    );
  }
  const up = moved > 0;
  const places = Math.abs(moved);
  return (
    <span
      className={up ? 'move move-up' : 'move move-down'}
      title={`${up ? 'Up' : 'Down'} ${places} since the last update`}
    >
      {up ? '▲' : '▼'}
      {places}
      <span className="sr-only">
        {' '}
        {up ? 'up' : 'down'} {places} {places === 1 ? 'place' : 'places'}
      </span>
    </span>
  );
}
