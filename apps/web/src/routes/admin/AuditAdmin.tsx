import { useState } from 'react';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatDateTime } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { trpc } from '../../trpc';

export function AuditAdmin() {
  const [actionText, setActionText] = useState('');
  const action = useDebounced(actionText.trim(), 300);
  const audit = trpc.admin.audit.list.useInfiniteQuery(
    { limit: 50, action: action || undefined },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const entries = audit.data?.pages.flatMap((page) => page.entries) ?? [];

  return (
    <section className="card" aria-labelledby="audit-title">
      <div className="card-head">
        <h1 id="audit-title">Audit log</h1>
      </div>
      <div className="toolbar">
        <input
          className="input search"
          type="search"
          placeholder="Action, e.g. user.ban"
          aria-label="Filter by action"
          value={actionText}
          onChange={(e) => setActionText(e.target.value)}
        />
      </div>
      {audit.isPending ? (
        <SkeletonRows rows={6} label="Loading audit log" />
      ) : audit.isError ? (
        <QueryError error={audit.error} what="the audit log" retry={() => void audit.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>No audit entries{action ? ` for “${action}”` : ''}.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-admin">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col" className="hide-narrow">
                  From
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="small">{formatDateTime(entry.createdAt)}</td>
                  <td>{entry.actorUsername ?? (entry.actorApiKeyId ? `key #${entry.actorApiKeyId}` : 'system')}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td className="small">
                    {entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '—'}
                    {entry.details ? (
                      <details>
                        <summary>details</summary>
                        <pre className="details">{JSON.stringify(entry.details, null, 2)}</pre>
                      </details>
                    ) : null}
                  </td>
                  <td className="hide-narrow muted small">{entry.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.hasNextPage ? (
        <button
          type="button"
          className="btn"
          disabled={audit.isFetchingNextPage}
          onClick={() => void audit.fetchNextPage()}
        >
          Load more
        </button>
      ) : null}
    </section>
  );
}
