import { useState } from 'react';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatDate, formatTime } from '../../format';
import { fromLocalInput } from '../../forms';
import { useDebounced } from '../../hooks/useDebounced';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

type AuditEntry = RouterOutputs['admin']['audit']['list']['entries'][number];

const actorOf = (entry: AuditEntry) =>
  entry.actorUsername ?? (entry.actorApiKeyId ? `key #${entry.actorApiKeyId}` : 'system');

function Target({ entry }: { entry: AuditEntry }) {
  return (
    <>
      {entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '—'}
      {entry.details ? (
        <details>
          <summary>details</summary>
          <pre className="details">{JSON.stringify(entry.details, null, 2)}</pre>
        </details>
      ) : null}
    </>
  );
}

export function AuditAdmin() {
  const [text, setText] = useState({ action: '', actor: '', targetType: '', targetId: '', since: '', until: '' });
  const typed = useDebounced(text, 300);
  const filters = {
    action: typed.action.trim() || undefined,
    actor: typed.actor.trim() || undefined,
    targetType: typed.targetType.trim() || undefined,
    targetId: typed.targetId.trim() || undefined,
    since: typed.since ? fromLocalInput(typed.since) : undefined,
    until: typed.until ? fromLocalInput(typed.until) : undefined,
  };
  const action = filters.action;
  const audit = trpc.admin.audit.list.useInfiniteQuery(
    { limit: 50, ...filters },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const set = (field: keyof typeof text) => (e: { target: { value: string } }) =>
    setText({ ...text, [field]: e.target.value });
  const entries = audit.data?.pages.flatMap((page) => page.entries) ?? [];

  return (
    <section className="card" aria-labelledby="audit-title">
      <div className="card-head">
        <h1 id="audit-title">Audit log</h1>
        <a
          className="btn btn-small"
          download
          href={exportHref('audit', {
            ...filters,
            since: filters.since?.toISOString(),
            until: filters.until?.toISOString(),
          })}
        >
          Export CSV
        </a>
      </div>
      <div className="toolbar toolbar-wrap">
        <input
          className="input search"
          type="search"
          placeholder="Action, e.g. user.ban"
          aria-label="Filter by action"
          value={text.action}
          onChange={set('action')}
        />
        <input
          className="input search"
          type="search"
          placeholder="Who (username)"
          aria-label="Filter by who did it"
          value={text.actor}
          onChange={set('actor')}
        />
        <input
          className="input search"
          type="search"
          placeholder="Target type, e.g. race"
          aria-label="Filter by target type"
          value={text.targetType}
          onChange={set('targetType')}
        />
        <input
          className="input search"
          type="search"
          placeholder="Target id"
          aria-label="Filter by target id"
          value={text.targetId}
          onChange={set('targetId')}
        />
        <label className="small inline-field">
          From
          <input type="datetime-local" className="input" value={text.since} onChange={set('since')} />
        </label>
        <label className="small inline-field">
          Until
          <input type="datetime-local" className="input" value={text.until} onChange={set('until')} />
        </label>
      </div>
      {audit.isPending ? (
        <SkeletonRows rows={6} label="Loading audit log" />
      ) : audit.isError ? (
        <QueryError error={audit.error} what="the audit log" retry={() => void audit.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>No audit entries{action ? ` for “${action}”` : ''} match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-admin">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col" className="hide-narrow">
                  From
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="small">
                    <time dateTime={entry.createdAt.toISOString()}>
                      <span className="nowrap">{formatTime(entry.createdAt)}</span>{' '}
                      <span className="muted nowrap">{formatDate(entry.createdAt)}</span>
                    </time>
                  </td>
                  <td className="wrap-anywhere">
                    <code>{entry.action}</code> <span className="muted small">by</span> {actorOf(entry)}
                    <div className="small">
                      <Target entry={entry} />
                    </div>
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
