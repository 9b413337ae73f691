import { useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { LoadMore } from '../../components/LoadMore';
import { QueryBoundary } from '../../components/QueryBoundary';
import { SearchBox, TimeBound } from '../../components/Toolbar';
import { formatDate, formatTime } from '../../format';
import { fromLocalInput } from '../../forms';
import { useDebounced } from '../../hooks/useDebounced';
import { type RouterInputs, type RouterOutputs, trpc } from '../../trpc';
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

/** The free-text filters, in the order they stand in the toolbar. */
const searches = [
  { field: 'action', placeholder: 'Action, e.g. user.ban', label: 'Filter by action' },
  { field: 'actor', placeholder: 'Who (username)', label: 'Filter by who did it' },
  { field: 'targetType', placeholder: 'Target type, e.g. race', label: 'Filter by target type' },
  { field: 'targetId', placeholder: 'Target id', label: 'Filter by target id' },
] as const;

type Filters = Omit<RouterInputs['admin']['audit']['list'], 'limit' | 'cursor'>;

const columns: Column<AuditEntry>[] = [
  {
    key: 'when',
    header: 'When',
    cellClassName: 'small',
    cell: (entry) => (
      <time dateTime={entry.createdAt.toISOString()}>
        <span className="nowrap">{formatTime(entry.createdAt)}</span>{' '}
        <span className="muted nowrap">{formatDate(entry.createdAt)}</span>
      </time>
    ),
  },
  {
    key: 'what',
    header: 'What',
    cellClassName: 'wrap-anywhere',
    cell: (entry) => (
      <>
        <code>{entry.action}</code> <span className="muted small">by</span> {actorOf(entry)}
        <div className="small">
          <Target entry={entry} />
        </div>
      </>
    ),
  },
  {
    key: 'from',
    header: 'From',
    className: 'hide-narrow',
    cellClassName: 'muted small',
    cell: (entry) => entry.ip ?? '',
  },
];

/** The entries that match, newest first, fifty at a time. */
function AuditEntries({ filters }: { filters: Filters }) {
  const [audit, query] = trpc.admin.audit.list.useSuspenseInfiniteQuery(
    { limit: 50, ...filters },
    { getNextPageParam: (page) => page.nextCursor },
  );
  return (
    <>
      <DataTable
        rows={audit.pages.flatMap((page) => page.entries)}
        columns={columns}
        rowKey={(entry) => entry.id}
        empty={`No audit entries${filters.action ? ` for “${filters.action}”` : ''} match.`}
      />
      <LoadMore query={query} />
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
  const set = (field: keyof typeof text) => (value: string) => setText({ ...text, [field]: value });

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
        {searches.map((search) => (
          <SearchBox
            key={search.field}
            label={search.label}
            placeholder={search.placeholder}
            value={text[search.field]}
            onChange={set(search.field)}
          />
        ))}
        <TimeBound label="From" value={text.since} onChange={set('since')} />
        <TimeBound label="Until" value={text.until} onChange={set('until')} />
      </div>
      <QueryBoundary
        what="the audit log"
        resetKeys={[JSON.stringify(filters)]}
        loading={{ rows: 6, label: 'Loading audit log' }}
      >
        <AuditEntries filters={filters} />
      </QueryBoundary>
    </section>
  );
}
