import { formatMoney } from '../format';
import { type Column, DataTable } from './DataTable';

type Prize = { rank: number; prize: string };

/** The prizes as a table: rank, prize and share of the pool. */
export function PrizeTable({ prizes, pool }: { prizes: Prize[]; pool: string }) {
  const total = Number(pool);
  const columns: Column<Prize>[] = [
    { key: 'rank', header: 'Rank', className: 'rank', cell: (p) => `#${p.rank}` },
    { key: 'prize', header: 'Prize', align: 'num', cellClassName: 'prize', cell: (p) => formatMoney(p.prize) },
    {
      key: 'share',
      header: 'Share',
      align: 'num',
      cellClassName: 'muted',
      cell: (p) => (total > 0 ? `${((Number(p.prize) / total) * 100).toFixed(1)}%` : '—'),
    },
  ];
  return (
    <DataTable
      rows={prizes}
      columns={columns}
      rowKey={(p) => p.rank}
      empty={null}
      className="table table-prizes"
      caption="Prize per rank"
      rowProps={(p) => (p.rank <= 3 ? { className: `podium podium-${p.rank}` } : {})}
    />
  );
}
