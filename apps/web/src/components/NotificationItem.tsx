import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDateTime } from '../format';
import type { InboxNotification } from '../trpc';

/** One inbox entry: unread ones stand out; its link (if any) leads where it is about. */
export function NotificationItem({
  notification,
  onOpen,
  action,
}: {
  notification: InboxNotification;
  /** Marks it read (and closes a menu) when followed. */
  onOpen: () => void;
  /** E.g. a "Mark read" button, at the end of the entry. */
  action?: ReactNode;
}) {
  const unread = notification.readAt === null;
  const title = notification.link ? (
    <Link to={notification.link} onClick={onOpen}>
      {notification.title}
    </Link>
  ) : (
    notification.title
  );
  return (
    <li className={unread ? 'inbox-item inbox-unread' : 'inbox-item'} data-notification-type={notification.type}>
      <div className="inbox-head">
        <strong>{title}</strong>
        {unread ? <span className="sr-only">(unread)</span> : null}
        {action}
      </div>
      {notification.body ? <p className="small">{notification.body}</p> : null}
      <p className="muted small">
        <time dateTime={notification.createdAt.toISOString()}>{formatDateTime(notification.createdAt)}</time>
      </p>
    </li>
  );
}
