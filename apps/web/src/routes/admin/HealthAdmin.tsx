import type { ReactNode } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryBoundary } from '../../components/QueryBoundary';
import { formatDateTime } from '../../format';
import { type RouterOutputs, trpc } from '../../trpc';

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

type Health = RouterOutputs['health']['status'];
type SyncRun = RouterOutputs['sync']['status']['lastRuns'][number];
const refresh = { refetchInterval: REFRESH_MS } as const;

const runColumns: Column<SyncRun>[] = [
  { key: 'run', header: 'Run', cell: (run) => run.id },
  { key: 'status', header: 'Status', cell: (run) => run.status },
  { key: 'trigger', header: 'Trigger', cell: (run) => run.trigger },
  {
    key: 'started',
    header: 'Started',
    className: 'hide-narrow',
    cellClassName: 'muted small',
    cell: (run) => formatDateTime(run.startedAt),
  },
];

export function HealthAdmin() {
  // The badge follows the same query the tiles wait for; it appears once the answer is in.
  const status = trpc.health.status.useQuery(undefined, refresh).data;
  const sync = trpc.sync.status.useQuery({ runs: 5 }, refresh);

  return (
    <section className="card" aria-labelledby="health-title">
      <div className="card-head">
        <h1 id="health-title">System health</h1>
        {status ? (
          <span className={status.status === 'ok' ? 'badge badge-live' : 'badge badge-cancelled'}>{status.status}</span>
        ) : null}
      </div>
      <QueryBoundary what="health" loading={{ rows: 4, label: 'Loading health' }}>
        <HealthTiles />
      </QueryBoundary>
      {sync.data && sync.data.lastRuns.length > 0 ? (
        <>
          <h2 className="subhead">Recent sync runs</h2>
          <DataTable rows={sync.data.lastRuns} columns={runColumns} rowKey={(run) => run.id} empty={null} />
        </>
      ) : null}
    </section>
  );
}

function HealthTiles() {
  const [status] = trpc.health.status.useSuspenseQuery(undefined, refresh);
  const stats = trpc.admin.stats.useQuery(undefined, refresh).data;
  const sync = trpc.sync.status.useQuery({ runs: 5 }, refresh).data;
  if (status.detail !== 'full')
    return <p className="muted">The details of each dependency are shown to admins only.</p>;
  return <Tiles health={status} stats={stats} sync={sync} />;
}

function Tiles({
  health,
  stats,
  sync,
}: {
  health: Extract<Health, { detail: 'full' }>;
  stats: RouterOutputs['admin']['stats'] | undefined;
  sync: RouterOutputs['sync']['status'] | undefined;
}) {
  return (
    <div className="tiles">
      <Tile title="Database" ok={health.db.ok}>
        <p>
          {health.db.kind} · {health.db.latencyMs === null ? '—' : `${health.db.latencyMs} ms`}
        </p>
        {health.db.error ? <p className="field-error">{health.db.error}</p> : null}
      </Tile>
      <Tile title="Event bus" ok={health.bus.ok}>
        <p>{health.bus.kind}</p>
      </Tile>
      <Tile title="Sync" ok={health.sync.lastStatus !== 'failed'}>
        <p>Last run: {health.sync.lastStatus ?? 'none yet'}</p>
        <p className="muted small">{health.sync.lastRunAt ? formatDateTime(health.sync.lastRunAt) : ''}</p>
        {sync ? (
          <p className="muted small">
            {sync.source} · {sync.scheduled ? `every ${sync.intervalMs} ms` : 'not scheduled here'}
            {sync.running ? ' · running' : ''}
          </p>
        ) : null}
        {health.sync.lastError ? <p className="field-error">{health.sync.lastError}</p> : null}
      </Tile>
      <Tile title="Telegram bot" ok={health.bot.connected ? true : undefined}>
        <p>{health.bot.connected ? 'connected' : 'not connected'}</p>
      </Tile>
      {stats?.realtime ? (
        <Tile title="Connections">
          <p>
            {stats.realtime.connections.active} active · peak {stats.realtime.connections.peak} ·{' '}
            {stats.realtime.connections.total} total
          </p>
          <p className="muted small">
            {stats.realtime.subscriptions.active} subscriptions · {stats.realtime.sse.active} SSE streams ·{' '}
            {stats.realtime.messages.in} in / {stats.realtime.messages.out} out · {stats.realtime.authFailures} auth
            failures
          </p>
        </Tile>
      ) : null}
      {stats ? (
        <Tile title="Process">
          <p>
            v{health.version} · up {Math.round(health.uptimeSeconds / 60)} min
          </p>
          <p className="muted small">
            RSS {mb(stats.memory.rssBytes)} · heap {mb(stats.memory.heapUsedBytes)}
          </p>
        </Tile>
      ) : null}
    </div>
  );
}
