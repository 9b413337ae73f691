import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney, formatMoneyShort } from '../format';
import { useReducedMotion } from '../hooks/useReducedMotion';

const podiumColour = ['#f5c542', '#c0c7d0', '#cd8a4b'] as const;

/** How a race's pool is shared out: one bar per paid rank, the podium in its colours. */
export function PrizeChart({ prizes }: { prizes: { rank: number; prize: string }[] }) {
  const reduced = useReducedMotion();
  const points = prizes.map((p) => ({ rank: `#${p.rank}`, prize: Number(p.prize), exact: p.prize }));
  return (
    <figure className="chart" aria-label="Prize per rank" data-chart="prizes">
      <ResponsiveContainer width="100%" height={prizes.length > 12 ? 240 : 200}>
        <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#262d36" vertical={false} />
          <XAxis dataKey="rank" stroke="#8b949e" tick={{ fontSize: 11 }} interval="preserveStartEnd" />
          <YAxis
            stroke="#8b949e"
            tick={{ fontSize: 11 }}
            width={52}
            tickFormatter={(v: number) => formatMoneyShort(v)}
          />
          <Tooltip
            cursor={{ fill: 'rgba(255,255,255,0.04)' }}
            contentStyle={{ background: '#161b22', border: '1px solid #262d36', color: '#e6edf3' }}
            labelStyle={{ color: '#8b949e' }}
            formatter={(_value, _name, item) => [formatMoney(String(item.payload.exact)), 'Prize']}
          />
          <Bar dataKey="prize" radius={[4, 4, 0, 0]} isAnimationActive={!reduced}>
            {points.map((point, i) => (
              <Cell key={point.rank} fill={podiumColour[i] ?? '#58a6ff'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        {prizes.map((p) => `Rank ${p.rank}: ${formatMoney(p.prize)}`).join('; ')}
      </figcaption>
    </figure>
  );
}
