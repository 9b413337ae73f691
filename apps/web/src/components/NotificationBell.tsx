import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { trpc } from '../trpc';
import { NotificationItem } from './NotificationItem';
import { QueryError, SkeletonRows } from './States';

const LATEST = 8;

/**
 * The header's bell: the unread count (kept current by the live feed in Notifications.tsx)
 * and, opened, the latest notifications with "Mark all read".
 */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const utils = trpc.useUtils();
  const unread = trpc.notifications.unreadCount.useQuery(undefined, { refetchInterval: 60_000 });
  const latest = trpc.notifications.list.useQuery({ limit: LATEST }, { enabled: open });
  const markRead = trpc.notifications.markRead.useMutation({
    onSuccess: (result) => {
      utils.notifications.unreadCount.setData(undefined, result.unread);
      void utils.notifications.list.invalidate();
    },
  });
  const count = unread.data ?? 0;

  // Closes on Escape and on a click elsewhere, like any menu.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    const onClick = (event: MouseEvent) => {
      if (root.current && event.target instanceof Node && !root.current.contains(event.target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="bell" ref={root}>
      <button
        type="button"
        className="btn btn-small bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={count > 0 ? `Notifications, ${count} unread` : 'Notifications'}
        data-count={count}
        onClick={() => setOpen(!open)}
      >
        <svg className="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {count > 0 ? (
          <span className="bell-count" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </button>
      {open ? (
        <section id={panelId} className="bell-panel" aria-label="Latest notifications">
          <div className="bell-panel-head">
            <h2>Notifications</h2>
            <button
              type="button"
              className="btn btn-small"
              disabled={count === 0 || markRead.isPending}
              onClick={() => markRead.mutate({ all: true })}
            >
              Mark all read
            </button>
          </div>
          {latest.isPending ? (
            <SkeletonRows rows={3} label="Loading notifications" />
          ) : latest.isError ? (
            <QueryError error={latest.error} what="notifications" retry={() => void latest.refetch()} />
          ) : latest.data.notifications.length === 0 ? (
            <p className="empty muted">Nothing yet. Race moves, results and claim decisions show up here.</p>
          ) : (
            <ul className="inbox">
              {latest.data.notifications.map((n) => (
                <NotificationItem
                  key={n.id}
                  notification={n}
                  onOpen={() => {
                    if (n.readAt === null) markRead.mutate({ ids: [n.id] });
                    setOpen(false);
                  }}
                />
              ))}
            </ul>
          )}
          <p className="bell-panel-foot small">
            <Link to="/notifications" onClick={() => setOpen(false)}>
              All notifications
            </Link>
            {' · '}
            <Link to="/profile#notification-settings" onClick={() => setOpen(false)}>
              Settings
            </Link>
          </p>
        </section>
      ) : null}
    </div>
  );
}
