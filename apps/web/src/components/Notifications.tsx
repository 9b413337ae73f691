import { useState } from 'react';
import { type RouterOutputs, trpc } from '../trpc';

type Notification = RouterOutputs['notifications']['onNotify'] extends AsyncIterable<infer T> ? T : never;

const SHOWN = 3;

/** A signed-in user's notifications (challenge approved, Telegram linked, …) as dismissible toasts. */
export function Notifications() {
  const [shown, setShown] = useState<Notification[]>([]);
  trpc.notifications.onNotify.useSubscription(undefined, {
    onData: (notification) => setShown((current) => [notification, ...current].slice(0, SHOWN)),
  });
  if (shown.length === 0) return null;
  return (
    <ul className="toasts" aria-live="polite" aria-label="Notifications">
      {shown.map((n) => (
        <li key={`${n.at}-${n.title}`} className="toast">
          <div>
            <strong>{n.title}</strong>
            <p className="small">{n.body}</p>
          </div>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Dismiss ${n.title}`}
            onClick={() => setShown((current) => current.filter((c) => c !== n))}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
