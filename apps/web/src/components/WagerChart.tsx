import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../format';
import type { RouterOutputs } from '../trpc';

type HistoryDay = RouterOutputs['players']['history']['days'][number];

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Wagered per UTC day. Amounts are exact strings; the chart needs numbers only to draw. */
export function WagerChart({ days }: { days: HistoryDay[] }) {
  const points = days.map((d) => ({ day: d.day.slice(5), wagered: Number(d.wagered), exact: d.wagered }));
  return (
    <figure className="chart" aria-label="Wagered per day">
      <ResponsiveContainer width="100%" height={260}>
        <AreaChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <defs>
            <linearGradient id="wagerFill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#f5c542" stopOpacity={0.5} />
              <stop offset="100%" stopColor="#f5c542" stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <CartesianGrid stroke="#262d36" vertical={false} />
          <XAxis dataKey="day" stroke="#8b949e" tick={{ fontSize: 11 }} minTickGap={16} />
          <YAxis stroke="#8b949e" tick={{ fontSize: 11 }} width={44} tickFormatter={(v: number) => compact.format(v)} />
          <Tooltip
            contentStyle={{ background: '#161b22', border: '1px solid #262d36', color: '#e6edf3' }}
            labelStyle={{ color: '#8b949e' }}
            formatter={(_value, _name, item) => [formatMoney(String(item.payload.exact)), 'Wagered']}
          />
          <Area type="monotone" dataKey="wagered" stroke="#f5c542" strokeWidth={2} fill="url(#wagerFill)" />
        </AreaChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">{days.map((d) => `${d.day}: ${formatMoney(d.wagered)}`).join('; ')}</figcaption>
    </figure>
  );
}
