import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { formatMoney } from '../format';
import type { LeaderboardEntry } from '../trpc';

const FLASH_MS = 2500;

/**
 * Players whose wager or rank changed since the previous render of the same board, for a
 * moment: the live push replaces the rows, this shows the eye where.
 */
function useChangedRows(entries: LeaderboardEntry[], boardKey: string): Set<string> {
  const previous = useRef<{ key: string; byUid: Map<string, LeaderboardEntry> } | null>(null);
  const [changed, setChanged] = useState<Set<string>>(() => new Set());

  useEffect(() => {
    const before = previous.current;
    previous.current = { key: boardKey, byUid: new Map(entries.map((e) => [e.uid, e])) };
    if (!before || before.key !== boardKey) return;
    const moved = entries.filter((entry) => {
      const old = before.byUid.get(entry.uid);
      return !old || old.wagered !== entry.wagered || old.rank !== entry.rank;
    });
    if (moved.length === 0) return;
    setChanged(new Set(moved.map((e) => e.uid)));
    const timer = setTimeout(() => setChanged(new Set()), FLASH_MS);
    return () => clearTimeout(timer);
  }, [entries, boardKey]);

  return changed;
}

/** The signed-in player's own place, pinned under the table when it is not on the page. */
export interface PinnedRow {
  uid: string;
  name: string;
  /** null: not ranked in this period. */
  rank: number | null;
  wagered: string;
}

export function LeaderboardTable({
  entries,
  boardKey,
  youUid = null,
  pinned = null,
}: {
  entries: LeaderboardEntry[];
  boardKey: string;
  /** The signed-in user's linked player: that row is highlighted. */
  youUid?: string | null;
  pinned?: PinnedRow | null;
}) {
  const changed = useChangedRows(entries, boardKey);
  const youShown = youUid !== null && entries.some((e) => e.uid === youUid);
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col" className="rank">
              #
            </th>
            <th scope="col">Player</th>
            <th scope="col" className="num">
              Wagered
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const you = entry.uid === youUid;
            const classes = [
              entry.rank <= 3 ? `podium podium-${entry.rank}` : '',
              changed.has(entry.uid) ? 'row-changed' : '',
              you ? 'row-you' : '',
            ].join(' ');
            return (
              <tr
                key={entry.uid}
                className={classes.trim() || undefined}
                data-uid={entry.uid}
                aria-current={you ? 'true' : undefined}
              >
                <td className="rank">{entry.rank}</td>
                <td className="name" title={entry.name}>
                  <Link to={`/players/${encodeURIComponent(entry.uid)}`}>{entry.name}</Link>
                  {you ? <span className="you-tag">You</span> : null}
                </td>
                <td className="num">{formatMoney(entry.wagered)}</td>
              </tr>
            );
          })}
        </tbody>
        {pinned && !youShown ? (
          <tfoot>
            <tr className="row-you row-pinned" data-uid={pinned.uid} aria-current="true">
              <td className="rank">{pinned.rank ?? '–'}</td>
              <td className="name" title={pinned.name}>
                <span className="you-tag">
                  You · {pinned.rank ? `#${pinned.rank.toLocaleString('en-US')}` : 'not ranked'}
                </span>{' '}
                <Link to={`/players/${encodeURIComponent(pinned.uid)}`}>{pinned.name}</Link>
              </td>
              <td className="num">{formatMoney(pinned.wagered)}</td>
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
