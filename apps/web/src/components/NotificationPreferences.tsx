import { trpc } from '../trpc';
import { FormError } from './Field';
import { QueryError, SkeletonRows } from './States';

/** Per kind of notification, on the dashboard and on Telegram: saved as soon as a box changes. */
export function NotificationPreferences() {
  const utils = trpc.useUtils();
  const prefs = trpc.notifications.preferences.useQuery();
  const save = trpc.notifications.setPreferences.useMutation({
    onSuccess: (next) => utils.notifications.preferences.setData(undefined, next),
  });

  return (
    <section className="card" id="notification-settings" aria-labelledby="prefs-title">
      <h2 id="prefs-title">Notifications</h2>
      <p className="muted">Choose what you are told, here on the dashboard and by our Telegram bot.</p>
      <FormError message={save.error?.message} />
      {prefs.isPending ? (
        <SkeletonRows rows={4} label="Loading your notification settings" />
      ) : prefs.isError ? (
        <QueryError error={prefs.error} what="your notification settings" retry={() => void prefs.refetch()} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-prefs">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" className="check-col">
                    Web
                  </th>
                  <th scope="col" className="check-col">
                    Telegram
                  </th>
                </tr>
              </thead>
              <tbody>
                {prefs.data.kinds.map((kind) => (
                  <tr key={kind.kind} data-kind={kind.kind}>
                    <th scope="row" className="pref-kind">
                      {kind.label}
                      <span className="muted small">
                        {kind.description}
                        {kind.required ? ' (always on)' : ''}
                      </span>
                    </th>
                    {(['web', 'telegram'] as const).map((channel) => (
                      <td key={channel} className="check-col">
                        <input
                          type="checkbox"
                          aria-label={`${kind.label} on ${channel === 'web' ? 'the dashboard' : 'Telegram'}`}
                          checked={kind[channel]}
                          disabled={kind.required || save.isPending}
                          onChange={(e) =>
                            save.mutate({ preferences: [{ kind: kind.kind, [channel]: e.target.checked }] })
                          }
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {prefs.data.telegramLinked ? null : (
            <p className="muted small">Telegram choices apply once you link Telegram (above).</p>
          )}
        </>
      )}
    </section>
  );
}
