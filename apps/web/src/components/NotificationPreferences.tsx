import { type RouterOutputs, trpc } from '../trpc';
import { type Column, DataTable } from './DataTable';
import { FormError } from './Field';
import { QueryBoundary } from './QueryBoundary';

/** Per kind of notification, on the dashboard and on Telegram: saved as soon as a box changes. */
export function NotificationPreferences() {
  return (
    <section className="card" id="notification-settings" aria-labelledby="prefs-title">
      <h2 id="prefs-title">Notifications</h2>
      <p className="muted">Choose what you are told, here on the dashboard and by our Telegram bot.</p>
      <QueryBoundary
        what="your notification settings"
        loading={{ rows: 4, label: 'Loading your notification settings' }}
      >
        <Preferences />
      </QueryBoundary>
    </section>
  );
}

type Kind = RouterOutputs['notifications']['preferences']['kinds'][number];
const channels = ['web', 'telegram'] as const;

function Preferences() {
  const utils = trpc.useUtils();
  const [prefs] = trpc.notifications.preferences.useSuspenseQuery();
  const save = trpc.notifications.setPreferences.useMutation({
    onSuccess: (next) => utils.notifications.preferences.setData(undefined, next),
  });
  const columns: Column<Kind>[] = [
    {
      key: 'kind',
      header: 'Kind',
      rowHeader: true,
      cellClassName: 'pref-kind',
      cell: (kind) => (
        <>
          {kind.label}
          <span className="muted small">
            {kind.description}
            {kind.required ? ' (always on)' : ''}
          </span>
        </>
      ),
    },
    ...channels.map(
      (channel): Column<Kind> => ({
        key: channel,
        header: channel === 'web' ? 'Web' : 'Telegram',
        className: 'check-col',
        cell: (kind) => (
          <input
            type="checkbox"
            aria-label={`${kind.label} on ${channel === 'web' ? 'the dashboard' : 'Telegram'}`}
            checked={kind[channel]}
            disabled={kind.required || save.isPending}
            onChange={(e) => save.mutate({ preferences: [{ kind: kind.kind, [channel]: e.target.checked }] })}
          />
        ),
      }),
    ),
  ];
  return (
    <>
      <FormError message={save.error?.message} />
      <DataTable
        rows={prefs.kinds}
        columns={columns}
        rowKey={(kind) => kind.kind}
        empty={null}
        className="table table-prefs"
        rowProps={(kind) => ({ 'data-kind': kind.kind })}
      />
      {prefs.telegramLinked ? null : (
        <p className="muted small">Telegram choices apply once you link Telegram (above).</p>
      )}
    </>
  );
}
