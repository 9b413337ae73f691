import { trpc } from '../trpc';

/** How often the page asks whether the figures are still fresh. */
const CHECK_EVERY_MS = 60_000;

/** "3 h 5 min", "12 min", "40 s": how old the shown figures are. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/**
 * Shown on every page while the affiliate's feed has been failing for longer than the
 * server's threshold (`DATA_STALE_AFTER_SECONDS`): the figures are the last good ones, and
 * visitors are told how old they are rather than left to trust them.
 */
export function StaleNotice() {
  const health = trpc.health.status.useQuery(undefined, { refetchInterval: CHECK_EVERY_MS });
  const freshness = health.data?.freshness;
  if (!freshness?.stale) return null;
  return (
    <p className="stale-notice" role="status">
      {freshness.ageSeconds === null
        ? 'No figures have arrived from the affiliate yet: the feed is not answering.'
        : `These figures are from ${formatAge(freshness.ageSeconds)} ago: the affiliate's feed is not answering, so the last good data is shown.`}
    </p>
  );
}
