import { Link, useSearchParams } from 'react-router';
import { FormError } from '../components/Field';
import { LoadMore } from '../components/LoadMore';
import { NotificationItem } from '../components/NotificationItem';
import { Empty, QueryError, SkeletonRows } from '../components/States';
import { Tabs } from '../components/Tabs';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';

const filters = [
  { value: false, label: 'All' },
  { value: true, label: 'Unread' },
] as const;

/** The whole inbox, newest first, with unread filtering and marking read. */
export function NotificationsPage() {
  useTitle('Notifications');
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get('show') === 'unread';
  const onFilter = (only: boolean) => setParams(only ? { show: 'unread' } : {}, { replace: true });
  const utils = trpc.useUtils();
  const list = trpc.notifications.list.useInfiniteQuery(
    { unreadOnly, limit: 20 },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const markRead = trpc.notifications.markRead.useMutation({
    onSuccess: (result) => {
      utils.notifications.unreadCount.setData(undefined, result.unread);
      void utils.notifications.list.invalidate();
    },
  });
  const items = list.data?.pages.flatMap((page) => page.notifications) ?? [];
  const unread = list.data?.pages[0]?.unread ?? 0;

  return (
    <section className="card" aria-labelledby="inbox-title">
      <div className="card-head">
        <h1 id="inbox-title">Notifications</h1>
        <span className="muted small">{unread === 1 ? '1 unread' : `${unread} unread`}</span>
      </div>
      <div className="toolbar">
        <Tabs legend="Show" options={filters} value={unreadOnly} onChange={onFilter} />
        <button
          type="button"
          className="btn btn-small"
          disabled={unread === 0 || markRead.isPending}
          onClick={() => markRead.mutate({ all: true })}
        >
          Mark all read
        </button>
        <Link className="small" to="/profile#notification-settings">
          Choose what you are told
        </Link>
      </div>
      <FormError message={markRead.error?.message} />
      {list.isPending ? (
        <SkeletonRows rows={5} label="Loading notifications" />
      ) : list.isError ? (
        <QueryError error={list.error} what="your notifications" retry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Empty>
          {unreadOnly
            ? 'You have read everything.'
            : 'Nothing yet. Race moves, results and claim decisions show up here.'}
        </Empty>
      ) : (
        <ul className="inbox">
          {items.map((n) => (
            <NotificationItem
              key={n.id}
              notification={n}
              onOpen={() => {
                if (n.readAt === null) markRead.mutate({ ids: [n.id] });
              }}
              action={
                n.readAt === null ? (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Mark “${n.title}” read`}
                    onClick={() => markRead.mutate({ ids: [n.id] })}
                  >
                    Mark read
                  </button>
                ) : null
              }
            />
          ))}
        </ul>
      )}
      <LoadMore query={list} />
    </section>
  );
}
