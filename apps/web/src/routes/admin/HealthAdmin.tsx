import type { ReactNode } from 'react';
import { QueryError, SkeletonRows } from '../../components/States';
import { formatDateTime } from '../../format';
import { trpc } from '../../trpc';

const REFRESH_MS = 5000;
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

function Tile({ title, ok, children }: { title: string; ok?: boolean; children: ReactNode }) {
  return (
    <div className="tile" data-ok={ok === undefined ? undefined : String(ok)}>
      <h2 className="tile-title">
        {ok === undefined ? null : <span className={ok ? 'dot dot-ok' : 'dot dot-bad'} aria-hidden="true" />}
        {title}
        {ok === undefined ? null : <span className="sr-only">{ok ? ' (ok)' : ' (failing)'}</span>}
      </h2>
      <div className="tile-body">{children}</div>
    </div>
  );
}

export function HealthAdmin() {
  const health = trpc.health.status.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const stats = trpc.admin.stats.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const sync = trpc.sync.status.useQuery({ runs: 5 }, { refetchInterval: REFRESH_MS });

  return (
    <section className="card" aria-labelledby="health-title">
      <div className="card-head">
        <h1 id="health-title">System health</h1>
        {health.data ? (
          <span className={health.data.status === 'ok' ? 'badge badge-live' : 'badge badge-cancelled'}>
            {health.data.status}
          </span>
        ) : null}
      </div>
      {health.isPending ? (
        <SkeletonRows rows={4} label="Loading health" />
      ) : health.isError ? (
        <QueryError error={health.error} what="health" retry={() => void health.refetch()} />
      ) : health.data.detail !== 'full' ? (
        <p className="muted">The details of each dependency are shown to admins only.</p>
      ) : (
        <div className="tiles">
          <Tile title="Database" ok={health.data.db.ok}>
            <p>
              {health.data.db.kind} · {health.data.db.latencyMs === null ? '—' : `${health.data.db.latencyMs} ms`}
            </p>
            {health.data.db.error ? <p className="field-error">{health.data.db.error}</p> : null}
          </Tile>
          <Tile title="Event bus" ok={health.data.bus.ok}>
            <p>{health.data.bus.kind}</p>
          </Tile>
          <Tile title="Sync" ok={health.data.sync.lastStatus !== 'failed'}>
            <p>Last run: {health.data.sync.lastStatus ?? 'none yet'}</p>
            <p className="muted small">
              {health.data.sync.lastRunAt ? formatDateTime(health.data.sync.lastRunAt) : ''}
            </p>
            {sync.data ? (
              <p className="muted small">
                {sync.data.source} · {sync.data.scheduled ? `every ${sync.data.intervalMs} ms` : 'not scheduled here'}
                {sync.data.running ? ' · running' : ''}
              </p>
            ) : null}
            {health.data.sync.lastError ? <p className="field-error">{health.data.sync.lastError}</p> : null}
          </Tile>
          <Tile title="Telegram bot" ok={health.data.bot.connected ? true : undefined}>
            <p>{health.data.bot.connected ? 'connected' : 'not connected'}</p>
          </Tile>
          {stats.data?.realtime ? (
            <Tile title="Connections">
              <p>
                {stats.data.realtime.connections.active} active · peak {stats.data.realtime.connections.peak} ·{' '}
                {stats.data.realtime.connections.total} total
              </p>
              <p className="muted small">
                {stats.data.realtime.subscriptions.active} subscriptions · {stats.data.realtime.sse.active} SSE streams
                · {stats.data.realtime.messages.in} in / {stats.data.realtime.messages.out} out ·{' '}
                {stats.data.realtime.authFailures} auth failures
              </p>
            </Tile>
          ) : null}
          {stats.data ? (
            <Tile title="Process">
              <p>
                v{health.data.version} · up {Math.round(health.data.uptimeSeconds / 60)} min
              </p>
              <p className="muted small">
                RSS {mb(stats.data.memory.rssBytes)} · heap {mb(stats.data.memory.heapUsedBytes)}
              </p>
            </Tile>
          ) : null}
        </div>
      )}
      {sync.data && sync.data.lastRuns.length > 0 ? (
        <>
          <h2 className="subhead">Recent sync runs</h2>
          <div className="table-wrap">
            <table className="table table-admin">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                  <th scope="col" className="hide-narrow">
                    Started
                  </th>
                </tr>
              </thead>
              <tbody>
                {sync.data.lastRuns.map((run) => (
                  <tr key={run.id}>
                    <td>{run.id}</td>
                    <td>{run.status}</td>
                    <td>{run.trigger}</td>
                    <td className="hide-narrow muted small">{formatDateTime(run.startedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
