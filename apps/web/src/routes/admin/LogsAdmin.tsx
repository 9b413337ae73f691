import { useState } from 'react';
import { FormError } from '../../components/Field';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatTime } from '../../format';
import { type RouterOutputs, trpc } from '../../trpc';

type LogEntry = RouterOutputs['logs']['list']['entries'][number];
type LogType = LogEntry['type'];

const types = ['info', 'warning', 'error'] as const satisfies readonly LogType[];
const KEPT = 500;

export function LogsAdmin() {
  const [type, setType] = useState<LogType | undefined>(undefined);
  return (
    <div className="stack">
      <SyncNow />
      <section className="card" aria-labelledby="logs-title">
        <div className="card-head">
          <h1 id="logs-title">Transformation logs</h1>
        </div>
        <fieldset className="tabs">
          <legend className="sr-only">Log type</legend>
          {[undefined, ...types].map((t) => (
            <button
              key={t ?? 'all'}
              type="button"
              aria-pressed={t === type}
              className={t === type ? 'tab tab-active' : 'tab'}
              onClick={() => setType(t)}
            >
              {t ?? 'all'}
            </button>
          ))}
        </fieldset>
        <LogStream key={type ?? 'all'} type={type} />
      </section>
    </div>
  );
}

/**
 * The newest entries, then every entry as it is written. The stream starts from the newest
 * listed id, so nothing written between the two is lost; pausing stops the stream and resuming
 * asks the server for everything after the last entry shown (the same replay a reconnect uses).
 */
function LogStream({ type }: { type: LogType | undefined }) {
  const recent = trpc.logs.list.useQuery({ type, limit: 50 }, { staleTime: Number.POSITIVE_INFINITY });
  const [streamed, setStreamed] = useState<LogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [resumeFrom, setResumeFrom] = useState<string | null>(null);

  const listed = recent.data?.entries ?? [];
  const newestListed = listed[0]?.id ?? 0;
  const newestShown = Math.max(newestListed, streamed[0]?.id ?? 0);
  const stream = trpc.logs.onLog.useSubscription(
    { type, lastEventId: resumeFrom ?? String(newestListed) },
    {
      enabled: recent.isSuccess && !paused,
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
          {paused
            ? 'Paused — resuming shows what was missed'
            : stream.status === 'pending'
              ? 'Streaming'
              : stream.status}
        </span>
      </div>
      {stream.error ? <FormError message={stream.error.message} /> : null}
      {recent.isPending ? (
        <SkeletonRows rows={6} label="Loading logs" />
      ) : recent.isError ? (
        <QueryError error={recent.error} what="logs" retry={() => void recent.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>No log entries{type ? ` of type ${type}` : ''} yet.</Empty>
      ) : (
        <ol className="logs" aria-label="Log entries" data-testid="log-entries">
          {entries.map((entry) => (
            <li key={entry.id} className={`log log-${entry.type}`} data-log-id={entry.id}>
              <div className="log-head">
                <span className={`badge badge-log-${entry.type}`}>{entry.type}</span>
                <span className="log-message">{entry.message}</span>
                <time className="muted small" dateTime={entry.createdAt.toISOString()}>
                  {formatTime(entry.createdAt)}
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
    </>
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
