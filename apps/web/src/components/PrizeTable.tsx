import { formatMoney } from '../format';

/** The prizes as a table: rank, prize and share of the pool. */
export function PrizeTable({ prizes, pool }: { prizes: { rank: number; prize: string }[]; pool: string }) {
  const total = Number(pool);
  return (
    <div className="table-wrap">
      <table className="table table-prizes">
        <caption className="sr-only">Prize per rank</caption>
        <thead>
          <tr>
            <th scope="col" className="rank">
              Rank
            </th>
            <th scope="col" className="num">
              Prize
            </th>
            <th scope="col" className="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {prizes.map((p) => (
            <tr key={p.rank} className={p.rank <= 3 ? `podium podium-${p.rank}` : undefined}>
              <td className="rank">#{p.rank}</td>
              <td className="num prize">{formatMoney(p.prize)}</td>
              <td className="num muted">{total > 0 ? `${((Number(p.prize) / total) * 100).toFixed(1)}%` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
