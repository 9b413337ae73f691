import { type ReactNode, useState } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Tabs } from '../../components/Tabs';
import { formatMoney, formatMs } from '../../format';
import { useReducedMotion } from '../../hooks/useReducedMotion';
import { type RouterOutputs, trpc } from '../../trpc';
import { ExportLinks } from './ExportLinks';

type Overview = RouterOutputs['admin']['analytics']['overview'];
type Kpi = Overview['kpis']['signUps'];
const periods = [7, 30, 90] as const;

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en-US');
const axis = { stroke: '#8b949e', tick: { fontSize: 11 } } as const;
const tooltip = {
  contentStyle: { background: '#161b22', border: '1px solid #262d36', color: '#e6edf3' },
  labelStyle: { color: '#8b949e' },
} as const;

function Change({ change, lowerIsBetter = false }: { change: number | null; lowerIsBetter?: boolean }) {
  if (change === null) return <span className="muted small">no earlier data</span>;
  const good = lowerIsBetter ? change <= 0 : change >= 0;
  const sign = change > 0 ? '+' : '';
  return (
    <span className={`small ${good ? 'change-good' : 'change-bad'}`}>
      {sign}
      {(change * 100).toFixed(1)}% vs previous
    </span>
  );
}

function KpiTile({
  label,
  value,
  change,
  lowerIsBetter,
  note,
  wide = false,
}: {
  label: string;
  value: string;
  change: number | null;
  lowerIsBetter?: boolean;
  note?: string | null;
  wide?: boolean;
}) {
  return (
    <div className={wide ? 'kpi kpi-wide' : 'kpi'} data-kpi={label}>
      <div className="kpi-label muted small">{label}</div>
      <div className="kpi-value">{value}</div>
      {note ? <div className="muted small">{note}</div> : null}
      <Change change={change} lowerIsBetter={lowerIsBetter ?? false} />
    </div>
  );
}

/** A chart, or — when the period has nothing to draw — a sentence saying so instead of empty axes. */
function ChartCard({
  title,
  summary,
  empty,
  children,
}: {
  title: string;
  summary: string;
  empty?: string | null;
  children: ReactNode;
}) {
  return (
    <figure className="chart chart-card" aria-label={title} data-chart={title}>
      <figcaption className="chart-title">{title}</figcaption>
      {empty ? (
        <p className="chart-empty muted small">{empty}</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={220}>
            {children}
          </ResponsiveContainer>
          <p className="sr-only">{summary}</p>
        </>
      )}
    </figure>
  );
}

const kpiNumber = (k: Kpi) => whole.format(k.value);
const margin = { top: 8, right: 8, bottom: 0, left: 0 };

/**
 * One whole-number figure a day as a line. A chart element, not a component: `ResponsiveContainer`
 * sizes its direct child, which must be the chart itself.
 */
function dailyLineChart(
  points: readonly (Overview['series'][number] & { label: string })[],
  line: { dataKey: 'activePlayers' | 'peakConnections'; name: string; stroke: string; sampled?: boolean },
  animate: boolean,
) {
  return (
    <LineChart data={points} margin={margin}>
      <CartesianGrid stroke="#262d36" vertical={false} />
      <XAxis dataKey="label" {...axis} minTickGap={16} />
      <YAxis {...axis} width={44} allowDecimals={false} />
      <Tooltip {...tooltip} />
      <Line
        type={line.sampled ? 'stepAfter' : 'monotone'}
        dataKey={line.dataKey}
        name={line.name}
        stroke={line.stroke}
        dot={false}
        connectNulls={line.sampled ?? false}
        strokeWidth={2}
        isAnimationActive={animate}
      />
    </LineChart>
  );
}

export function OverviewAdmin() {
  const [days, setDays] = useState<(typeof periods)[number]>(30);

  return (
    <div className="stack">
      <section className="card" aria-labelledby="overview-title">
        <div className="card-head">
          <h1 id="overview-title">Overview</h1>
          <Tabs
            legend="Period"
            options={periods.map((p) => ({ value: p, label: `${p} days` }))}
            value={days}
            onChange={setDays}
          />
        </div>
        <QueryBoundary what="the overview" resetKeys={[days]} loading={{ rows: 4, label: 'Loading the overview' }}>
          <Body days={days} />
        </QueryBoundary>
      </section>
      <ExportLinks />
    </div>
  );
}

function Body({ days }: { days: (typeof periods)[number] }) {
  const [overview] = trpc.admin.analytics.overview.useSuspenseQuery({ days }, { refetchInterval: 60_000 });
  // Extra, not awaited: the tiles show without it.
  const stats = trpc.admin.stats.useQuery(undefined, { refetchInterval: 5000 });
  const liveConnections = stats.data?.realtime?.connections.active ?? null;
  const { kpis, series } = overview;
  const animate = !useReducedMotion();
  const sampled = series.some((d) => d.peakConnections !== null);
  const points = series.map((d) => ({
    ...d,
    label: d.day.slice(5),
    wageredNumber: Number(d.wagered),
    claims: d.bonusClaims + d.challengeEntries,
    errorRate: d.syncRuns > 0 ? Math.round((d.syncFailed / d.syncRuns) * 1000) / 10 : 0,
  }));
  // A race finalized before participants were counted has none recorded: left out, not drawn as 0.
  const raceBars = overview.races.flatMap((r) =>
    r.participants === null ? [] : [{ name: r.name, participants: r.participants }],
  );
  const noRaces =
    overview.races.length === 0
      ? 'No race ended in this period.'
      : raceBars.length === 0
        ? 'The races that ended in this period were finalized before participants were counted.'
        : null;
  return (
    <>
      <p className="muted small">
        {overview.from} – {overview.to} (UTC days), compared with the {overview.days} days before.
      </p>
      <div className="kpis">
        <KpiTile label="Wagered" value={formatMoney(kpis.wagered.value)} change={kpis.wagered.change} wide />
        <KpiTile
          label="Active players / day"
          value={kpiNumber(kpis.activePlayers)}
          change={kpis.activePlayers.change}
        />
        <KpiTile label="Sign-ups" value={kpiNumber(kpis.signUps)} change={kpis.signUps.change} />
        <KpiTile label="Claims" value={kpiNumber(kpis.claims)} change={kpis.claims.change} />
        <KpiTile
          label="Race participants"
          value={kpiNumber(kpis.raceParticipants)}
          change={kpis.raceParticipants.change}
        />
        <KpiTile label="Sync runs" value={kpiNumber(kpis.syncRuns)} change={kpis.syncRuns.change} />
        <KpiTile
          label="Sync error rate"
          value={`${(kpis.syncErrorRate.value * 100).toFixed(1)}%`}
          change={kpis.syncErrorRate.change}
          lowerIsBetter
        />
        <KpiTile
          label="Peak connections"
          value={kpiNumber(kpis.peakConnections)}
          note={liveConnections === null ? null : `${whole.format(liveConnections)} open now`}
          change={kpis.peakConnections.change}
        />
      </div>
      <div className="charts">
        <ChartCard
          title="Wagered per day"
          summary={series.map((d) => `${d.day}: ${formatMoney(d.wagered)}`).join('; ')}
        >
          <AreaChart data={points} margin={margin}>
            <CartesianGrid stroke="#262d36" vertical={false} />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis {...axis} width={44} tickFormatter={(v: number) => compact.format(v)} />
            <Tooltip
              {...tooltip}
              formatter={(_v, _n, item) => [formatMoney(String(item.payload.wagered)), 'Wagered']}
            />
            <Area
              type="monotone"
              dataKey="wageredNumber"
              stroke="#f5c542"
              fill="#f5c54233"
              strokeWidth={2}
              isAnimationActive={animate}
            />
          </AreaChart>
        </ChartCard>
        <ChartCard
          title="Active players per day"
          summary={series.map((d) => `${d.day}: ${d.activePlayers}`).join('; ')}
        >
          {dailyLineChart(points, { dataKey: 'activePlayers', name: 'Active players', stroke: '#3fb950' }, animate)}
        </ChartCard>
        <ChartCard
          title="Sign-ups and claims"
          summary={series
            .map((d) => `${d.day}: ${d.signUps} sign-ups, ${d.bonusClaims + d.challengeEntries} claims`)
            .join('; ')}
        >
          <BarChart data={points} margin={margin}>
            <CartesianGrid stroke="#262d36" vertical={false} />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis {...axis} width={44} allowDecimals={false} />
            <Tooltip {...tooltip} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="signUps" name="Sign-ups" fill="#58a6ff" isAnimationActive={animate} />
            <Bar dataKey="claims" name="Claims" fill="#f5c542" isAnimationActive={animate} />
          </BarChart>
        </ChartCard>
        <ChartCard
          title="Race participation"
          empty={noRaces}
          summary={
            raceBars.length === 0
              ? 'No race ended in this period.'
              : raceBars.map((r) => `${r.name}: ${r.participants} players`).join('; ')
          }
        >
          <BarChart data={raceBars} margin={margin}>
            <CartesianGrid stroke="#262d36" vertical={false} />
            <XAxis dataKey="name" {...axis} minTickGap={8} />
            <YAxis {...axis} width={44} allowDecimals={false} />
            <Tooltip {...tooltip} />
            <Bar
              dataKey="participants"
              name="Players ranked"
              fill="#3fb950"
              maxBarSize={56}
              isAnimationActive={animate}
            />
          </BarChart>
        </ChartCard>
        <ChartCard
          title="Sync runs and error rate"
          summary={series
            .map((d) => `${d.day}: ${d.syncRuns} runs, ${d.syncFailed} failed, mean ${formatMs(d.syncAvgDurationMs)}`)
            .join('; ')}
        >
          <ComposedChart data={points} margin={margin}>
            <CartesianGrid stroke="#262d36" vertical={false} />
            <XAxis dataKey="label" {...axis} minTickGap={16} />
            <YAxis yAxisId="runs" {...axis} width={44} allowDecimals={false} />
            <YAxis yAxisId="rate" orientation="right" {...axis} width={40} unit="%" domain={[0, 100]} />
            <Tooltip {...tooltip} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar yAxisId="runs" dataKey="syncRuns" name="Runs" fill="#58a6ff" isAnimationActive={animate} />
            <Line
              yAxisId="rate"
              dataKey="errorRate"
              name="Error rate %"
              stroke="#f85149"
              dot={false}
              strokeWidth={2}
              isAnimationActive={animate}
            />
          </ComposedChart>
        </ChartCard>
        <ChartCard
          title="Live connections (daily peak)"
          empty={
            sampled
              ? null
              : 'No samples in this period yet: each server records its open connections every few minutes.'
          }
          summary={series.map((d) => `${d.day}: ${d.peakConnections ?? 'no samples'}`).join('; ')}
        >
          {dailyLineChart(
            points,
            // A server records its connections every few minutes: a day without a sample is a gap, bridged.
            { dataKey: 'peakConnections', name: 'Peak connections', stroke: '#d29922', sampled: true },
            animate,
          )}
        </ChartCard>
      </div>
    </>
  );
}
