import { type DbKind, schema } from '@goated/db';
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { AppDeps } from '../context';
import { type BotConnection, botConnection } from './telegram/presence';

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
  /**
   * How old the player data is. Clients keep getting the last good data when the upstream
   * fails; past the threshold it is marked stale (never a readiness failure: stale data is
   * still served).
   */
  freshness: Freshness;
  /**
   * A warning while the affiliate feed refuses the token (401/403): raised by the first refused
   * run, cleared by the next accepted one. Never a readiness failure.
   */
  upstream: { authFailing: boolean; since: Date | null; status: number | null };
}

export interface Freshness {
  /** True once the last successful sync (pull or pushed batch) is older than `staleAfterSeconds`. */
  stale: boolean;
  /** When the last successful sync finished; null before the first one. */
  lastSuccessAt: Date | null;
  /** Seconds since `lastSuccessAt` (null before the first success). */
  ageSeconds: number | null;
  /** The first failed run after the last success: how long the upstream has been failing. */
  failingSince: Date | null;
  staleAfterSeconds: number;
}

/** The default threshold (the server's `DATA_STALE_AFTER_SECONDS`). */
export const DEFAULT_STALE_AFTER_SECONDS = 300;

/**
 * Freshness from the persisted sync runs, so every instance (also those not running the sync)
 * reports the same thing. Without any run yet nothing is stale; with failures only, the data
 * is stale once the first failure is older than the threshold.
 */
export async function getFreshness(
  db: AppDeps['db'],
  staleAfterSeconds: number,
  now: Date = new Date(),
): Promise<Freshness> {
  const { syncRuns } = schema;
  const [success] = await db
    .select({ startedAt: syncRuns.startedAt, finishedAt: syncRuns.finishedAt })
    .from(syncRuns)
    .where(eq(syncRuns.status, 'succeeded'))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  const lastSuccessAt = success ? (success.finishedAt ?? success.startedAt) : null;
  const [failure] = await db
    .select({ startedAt: syncRuns.startedAt })
    .from(syncRuns)
    .where(
      lastSuccessAt
        ? and(eq(syncRuns.status, 'failed'), gt(syncRuns.startedAt, lastSuccessAt))
        : eq(syncRuns.status, 'failed'),
    )
    .orderBy(asc(syncRuns.startedAt))
    .limit(1);
  const failingSince = failure?.startedAt ?? null;
  const ageSeconds = lastSuccessAt ? Math.max(0, Math.round((now.getTime() - lastSuccessAt.getTime()) / 1000)) : null;
  const since = lastSuccessAt ?? failingSince;
  const stale = since !== null && now.getTime() - since.getTime() > staleAfterSeconds * 1000;
  return { stale, lastSuccessAt, ageSeconds, failingSince, staleAfterSeconds };
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
  let upstream: HealthStatus['upstream'] = { authFailing: false, since: null, status: null };
  const staleAfterSeconds = deps.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS;
  let freshness: Freshness = {
    stale: false,
    lastSuccessAt: null,
    ageSeconds: null,
    failingSince: null,
    staleAfterSeconds,
  };
  if (db.ok) {
    const [last] = await deps.db
      .select({ startedAt: schema.syncRuns.startedAt, status: schema.syncRuns.status, error: schema.syncRuns.error })
      .from(schema.syncRuns)
      .orderBy(desc(schema.syncRuns.id))
      .limit(1)
      .catch(() => []);
    if (last) sync = { lastRunAt: last.startedAt, lastStatus: last.status, lastError: last.error };
    bot = await botConnection(deps.db).catch(() => bot);
    freshness = await getFreshness(deps.db, staleAfterSeconds).catch(() => freshness);
    const [settings] = await deps.db
      .select({ since: schema.upstreamSettings.authFailedAt, status: schema.upstreamSettings.authFailureStatus })
      .from(schema.upstreamSettings)
      .limit(1)
      .catch(() => []);
    if (settings?.since) upstream = { authFailing: true, since: settings.since, status: settings.status };
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
    freshness,
    upstream,
  };
}

/**
 * What anyone may know: up or degraded, the version, and how fresh the player data is (the
 * public dashboard's stale notice). Dependencies, the last sync error (it names the feed's URL)
 * and the upstream's state are for admins.
 */
export interface PublicHealth {
  detail: 'public';
  status: HealthStatus['status'];
  version: string;
  freshness: Freshness;
}

/** `health.status`: the public view, or everything for an admin (or an admin/read-scoped key). */
export type HealthView = PublicHealth | (HealthStatus & { detail: 'full' });

export function seesHealthDetails(caller: {
  user: { role: 'user' | 'admin' } | null;
  apiKey: { scopes: readonly string[] } | null;
}): boolean {
  if (caller.apiKey) return caller.apiKey.scopes.includes('admin') || caller.apiKey.scopes.includes('read');
  return caller.user?.role === 'admin';
}

export async function getHealthView(
  deps: AppDeps,
  caller: Parameters<typeof seesHealthDetails>[0],
): Promise<HealthView> {
  const health = await getHealth(deps);
  if (seesHealthDetails(caller)) return { detail: 'full', ...health };
  return { detail: 'public', status: health.status, version: health.version, freshness: health.freshness };
}

/** `/health/ready` (public, for load balancers): each dependency up or down, no error text. */
export function readinessOf(health: HealthStatus) {
  return {
    status: health.status,
    version: health.version,
    db: { kind: health.db.kind, ok: health.db.ok, latencyMs: health.db.latencyMs },
    bus: health.bus,
    sync: { lastRunAt: health.sync.lastRunAt, lastStatus: health.sync.lastStatus },
  };
}
