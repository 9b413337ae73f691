import type { RaceStatus } from '../trpc';

const statusLabel: Record<RaceStatus, string> = {
  upcoming: 'Upcoming',
  live: 'Live',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export function RaceStatusBadge({ status }: { status: RaceStatus }) {
  return <span className={`badge badge-${status}`}>{statusLabel[status]}</span>;
}
