import { type DbKind, schema } from '@goated/db';
import { desc } from 'drizzle-orm';
import type { AppDeps } from '../context';
import { type BotConnection, botConnection } from './telegram';

export interface DependencyState {
  ok: boolean;
  latencyMs: number | null;
  error?: string;
}

export interface HealthStatus {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  db: DependencyState & { kind: DbKind };
  bus: { kind: 'in-process' | 'redis'; ok: boolean };
  sync: {
    lastRunAt: Date | null;
    lastStatus: 'running' | 'succeeded' | 'failed' | 'skipped' | null;
    lastError: string | null;
  };
  /** The Telegram bot, from its API key's last use; informational, never degrades readiness. */
  bot: BotConnection;
}

const startedAt = Date.now();

async function timed(fn: () => Promise<unknown>): Promise<DependencyState> {
  const t0 = performance.now();
  try {
    await fn();
    return { ok: true, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (err) {
    return { ok: false, latencyMs: null, error: err instanceof Error ? err.message : 'unreachable' };
  }
}

/** What `/health/ready` and `health.status` report: each dependency's state, never a throw. */
export async function getHealth(deps: AppDeps): Promise<HealthStatus> {
  const db = await timed(() => deps.pingDb());
  const bus = deps.bus.health();
  let sync: HealthStatus['sync'] = { lastRunAt: null, lastStatus: null, lastError: null };
  let bot: BotConnection = { connected: false, lastSeenAt: null };
  if (db.ok) {
    const [last] = await deps.db
      .select({ startedAt: schema.syncRuns.startedAt, status: schema.syncRuns.status, error: schema.syncRuns.error })
      .from(schema.syncRuns)
      .orderBy(desc(schema.syncRuns.id))
      .limit(1)
      .catch(() => []);
    if (last) sync = { lastRunAt: last.startedAt, lastStatus: last.status, lastError: last.error };
    bot = await botConnection(deps.db).catch(() => bot);
  }
  return {
    status: db.ok && bus.connected ? 'ok' : 'degraded',
    version: deps.version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    // Internal error text stays server-side; clients learn only that the dependency is down.
    db: { kind: deps.dbKind, ok: db.ok, latencyMs: db.latencyMs },
    bus: { kind: bus.kind, ok: bus.connected },
    sync,
    bot,
  };
}
