import { useNow } from '../hooks/useNow';

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const hms = [hours, minutes, seconds].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${hms}` : hms;
}

/** "Ends in 1d 02:03:04", ticking every second. */
export function Countdown({ to, label }: { to: Date; label: string }) {
  const now = useNow(1000);
  const left = to.getTime() - now.getTime();
  return (
    <span className="countdown" role="timer" aria-live="off">
      {left > 0 ? (
        <>
          {label} <strong>{formatDuration(left)}</strong>
        </>
      ) : (
        'Finishing…'
      )}
    </span>
  );
}
