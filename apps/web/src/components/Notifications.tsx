import { useState } from 'react';
import { type LiveNotification, trpc } from '../trpc';

const SHOWN = 3;

/**
 * A signed-in user's notifications as they happen: a dismissible toast, and everything that
 * shows them refreshed at once — the bell's count and list, and, for a claim or a race move,
 * the standing and account they change.
 */
export function Notifications() {
  const [shown, setShown] = useState<LiveNotification[]>([]);
  const utils = trpc.useUtils();
  trpc.notifications.onNotify.useSubscription(undefined, {
    onData: (notification) => {
      setShown((current) => [notification, ...current].slice(0, SHOWN));
      void utils.notifications.unreadCount.invalidate();
      void utils.notifications.list.invalidate();
      if (notification.kind === 'claims') {
        void utils.auth.me.invalidate();
        void utils.account.claim.invalidate();
      }
      if (notification.kind === 'claims' || notification.kind.startsWith('race'))
        void utils.account.standing.invalidate();
    },
  });
  if (shown.length === 0) return null;
  return (
    <ul className="toasts" aria-live="polite" aria-label="New notifications">
      {shown.map((n) => (
        <li key={`${n.id ?? n.at}-${n.title}`} className="toast">
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
