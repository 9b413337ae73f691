import { lazy, Suspense } from 'react';
import { trpc } from '../trpc';
import { ErrorBoundary } from './ErrorBoundary';
import { QueryBoundary } from './QueryBoundary';
import { Empty, SkeletonRows } from './States';

// The chart library loads only once there is a chart to draw: a missing player says so at once.
const WagerChart = lazy(() => import('./WagerChart').then((m) => ({ default: m.WagerChart })));

/** A player's wagers per day over the last `days` days, as a chart; a sentence when there were none. */
export function WagerHistory({ uid, days, rows }: { uid: string; days: number; rows: number }) {
  return (
    <QueryBoundary what="the history" resetKeys={[uid, days]} loading={{ rows, label: 'Loading history' }}>
      <History uid={uid} days={days} rows={rows} />
    </QueryBoundary>
  );
}

function History({ uid, days, rows }: { uid: string; days: number; rows: number }) {
  const [history] = trpc.players.history.useSuspenseQuery({ uid, days });
  if (history.days.every((d) => d.wagered === '0.00')) return <Empty>No wagers in the last {days} days.</Empty>;
  return (
    <ErrorBoundary what="the chart">
      <Suspense fallback={<SkeletonRows rows={rows} label="Loading the chart" />}>
        <WagerChart days={history.days} />
      </Suspense>
    </ErrorBoundary>
  );
}
