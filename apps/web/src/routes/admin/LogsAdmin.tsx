import { useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { Tabs } from '../../components/Tabs';
import { SearchBox, TimeBound } from '../../components/Toolbar';
import { formatDate, formatDateTimeSeconds, formatMs, formatTime } from '../../format';
import { fromLocalInput } from '../../forms';
import { useDebounced } from '../../hooks/useDebounced';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

type LogEntry = RouterOutputs['logs']['list']['entries'][number];
type LogType = LogEntry['type'];

const types = ['info', 'warning', 'error'] as const satisfies readonly LogType[];
const KEPT = 500;

interface Filters {
  type: LogType | undefined;
  search: string | undefined;
  since: Date | undefined;
  until: Date | undefined;
}

export function LogsAdmin() {
  const [type, setType] = useState<LogType | undefined>(undefined);
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300) || undefined;
  const [sinceText, setSinceText] = useState('');
  const [untilText, setUntilText] = useState('');
  const filters: Filters = {
    type,
    search,
    since: sinceText ? fromLocalInput(sinceText) : undefined,
    until: untilText ? fromLocalInput(untilText) : undefined,
  };
  return (
    <div className="stack">
      <SyncNow />
      <QueryBoundary what="sync runs" loading={{ rows: 3, label: 'Loading sync runs' }}>
        <SyncRuns />
      </QueryBoundary>
      <section className="card" aria-labelledby="logs-title">
        <div className="card-head">
          <h1 id="logs-title">Transformation log</h1>
          <a
            className="btn btn-small"
            download
            href={exportHref('logs', {
              type,
              search,
              since: filters.since?.toISOString(),
              until: filters.until?.toISOString(),
            })}
          >
            Export CSV
          </a>
        </div>
        <div className="toolbar">
          <SearchBox
            label="Search messages"
            placeholder="Search messages…"
            value={searchText}
            onChange={setSearchText}
          />
          <TimeBound label="From" value={sinceText} onChange={setSinceText} />
          <TimeBound label="Until" value={untilText} onChange={setUntilText} />
        </div>
        <Tabs
          legend="Log type"
          options={[undefined, ...types].map((t) => ({ value: t, label: t ?? 'all' }))}
          value={type}
          onChange={setType}
        />
        <LogStream key={JSON.stringify(filters)} filters={filters} />
      </section>
    </div>
  );
}

/**
 * The newest entries, then every entry as it is written. The stream starts from the newest
 * listed id, so nothing written between the two is lost; pausing stops the stream and resuming
 * asks the server for everything after the last entry shown (the same replay a reconnect uses).
 */
function LogStream({ filters }: { filters: Filters }) {
  const { type, search, since, until } = filters;
  const recent = trpc.logs.list.useInfiniteQuery(
    { type, search, since, until, limit: 50 },
    { staleTime: Number.POSITIVE_INFINITY, getNextPageParam: (page) => page.nextCursor },
  );
  const [streamed, setStreamed] = useState<LogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [resumeFrom, setResumeFrom] = useState<string | null>(null);
  // A view that ends in the past has nothing to tail.
  const tailing = until === undefined || until.getTime() > Date.now();

  const listed = recent.data?.pages.flatMap((page) => page.entries) ?? [];
  const newestListed = recent.data?.pages[0]?.entries[0]?.id ?? 0;
  const newestShown = Math.max(newestListed, streamed[0]?.id ?? 0);
  const stream = trpc.logs.onLog.useSubscription(
    { type, search, lastEventId: resumeFrom ?? String(newestListed) },
    {
      enabled: recent.isSuccess && !paused && tailing,
      onData: ({ data }) => {
        setStreamed((current) => (current.some((e) => e.id === data.id) ? current : [data, ...current].slice(0, KEPT)));
      },
    },
  );

  const seen = new Set(streamed.map((e) => e.id));
  const entries = [...streamed, ...listed.filter((e) => !seen.has(e.id))];

  return (
    <>
      <div className="toolbar">
        <button
          type="button"
          className="btn"
          aria-pressed={paused}
          onClick={() => {
            if (paused) setResumeFrom(String(newestShown));
            setPaused(!paused);
          }}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span className="muted small" role="status">
          {!tailing
            ? 'This range has ended: nothing new will arrive'
            : paused
              ? 'Paused — resuming shows what was missed'
              : stream.status === 'pending'
                ? 'Streaming: new entries that match appear at the top'
                : stream.status}
        </span>
      </div>
      {stream.error ? <FormError message={stream.error.message} /> : null}
      {recent.isPending ? (
        <SkeletonRows rows={6} label="Loading logs" />
      ) : recent.isError ? (
        <QueryError error={recent.error} what="logs" retry={() => void recent.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>No log entries match.</Empty>
      ) : (
        <ol className="logs" aria-label="Log entries" data-testid="log-entries">
          {entries.map((entry) => (
            <li key={entry.id} className={`log log-${entry.type}`} data-log-id={entry.id}>
              <div className="log-head">
                <span className={`badge badge-log-${entry.type}`}>{entry.type}</span>
                <span className="log-message">{entry.message}</span>
                <time className="muted small" dateTime={entry.createdAt.toISOString()}>
                  {formatDateTimeSeconds(entry.createdAt)}
                </time>
              </div>
              <div className="muted small">
                in {entry.recordsIn} · out {entry.recordsOut} · skipped {entry.recordsSkipped} · {entry.durationMs} ms
                {entry.runId ? ` · run ${entry.runId}` : ''}
              </div>
              {entry.details ? (
                <details>
                  <summary className="small">Details</summary>
                  <pre className="details">{JSON.stringify(entry.details, null, 2)}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <LoadMore query={recent} busyText="Loading…" />
    </>
  );
}

type SyncRun = RouterOutputs['sync']['status']['lastRuns'][number];

const runColumns: Column<SyncRun>[] = [
  { key: 'run', header: 'Run', cell: (run) => run.id },
  {
    key: 'started',
    header: 'Started',
    cellClassName: 'small',
    cell: (run) => (
      <time dateTime={run.startedAt.toISOString()}>
        <span className="nowrap">{formatTime(run.startedAt)}</span>{' '}
        <span className="muted nowrap">{formatDate(run.startedAt)}</span>
      </time>
    ),
  },
  {
    key: 'duration',
    header: 'Duration',
    cellClassName: 'small',
    cell: (run) => (run.finishedAt ? formatMs(run.finishedAt.getTime() - run.startedAt.getTime()) : 'running'),
  },
  {
    key: 'outcome',
    header: 'Outcome',
    cell: (run) => (
      <>
        <span className={`badge badge-run-${run.status}`}>{run.status}</span>
        {run.error ? <div className="field-error small">{run.error}</div> : null}
        {/* A phone has no room for the three record columns: the counts go under the outcome. */}
        <div className="only-narrow small muted">
          <span className="nowrap">{run.recordsIn} in</span> · <span className="nowrap">{run.recordsOut} applied</span>{' '}
          ·{' '}
          <span className={run.recordsSkipped > 0 ? 'nowrap warn-text' : 'nowrap'}>{run.recordsSkipped} rejected</span>
        </div>
      </>
    ),
  },
  { key: 'in', header: 'In', align: 'num', className: 'hide-narrow', cell: (run) => run.recordsIn },
  { key: 'applied', header: 'Applied', align: 'num', className: 'hide-narrow', cell: (run) => run.recordsOut },
  { key: 'rejected', header: 'Rejected', align: 'num', className: 'hide-narrow', cell: (run) => run.recordsSkipped },
  {
    key: 'trigger',
    header: 'Trigger',
    className: 'hide-narrow',
    cellClassName: 'small',
    cell: (run) => (
      <>
        {run.trigger}
        <div className="muted">{run.source}</div>
      </>
    ),
  },
];

/** The last runs: when, how long, what came in and what was applied or rejected, and why a run failed. */
function SyncRuns() {
  const [status] = trpc.sync.status.useSuspenseQuery({ runs: 20 }, { refetchInterval: 5000 });
  return (
    <section className="card" aria-labelledby="runs-title">
      <div className="card-head">
        <h2 id="runs-title">Sync runs</h2>
        <span className="muted small">
          {status.source}
          {status.running ? ' · running now' : ''}
          {status.nextRunAt ? ` · next ${formatDateTimeSeconds(status.nextRunAt)}` : ''}
        </span>
      </div>
      <DataTable
        rows={status.lastRuns}
        columns={runColumns}
        rowKey={(run) => run.id}
        empty="No runs yet."
        data-testid="sync-runs"
        rowProps={(run) => ({ 'data-run': run.id })}
      />
    </section>
  );
}

function SyncNow() {
  const utils = trpc.useUtils();
  const run = trpc.sync.runNow.useMutation({ onSuccess: () => void utils.sync.status.invalidate() });
  return (
    <section className="card" aria-labelledby="sync-title">
      <div className="card-head">
        <h2 id="sync-title">Sync</h2>
        <button type="button" className="btn btn-primary" disabled={run.isPending} onClick={() => run.mutate({})}>
          {run.isPending ? 'Running…' : 'Run sync now'}
        </button>
      </div>
      <FormError message={run.error?.message} />
      {run.data ? (
        <p className="small" role="status">
          Run {run.data.runId || '—'}: {run.data.status}, {run.data.recordsIn} in, {run.data.recordsOut} out,{' '}
          {run.data.recordsSkipped} skipped, {run.data.changedPlayers} changed, {run.data.durationMs} ms
        </p>
      ) : null}
    </section>
  );
}
