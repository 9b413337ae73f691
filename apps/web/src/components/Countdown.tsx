import { formatDuration } from '../format';
import { useNow } from '../hooks/useNow';

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
