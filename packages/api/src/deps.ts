/**
 * The types of what the server process hands the router and the services (its long-lived
 * dependencies). A leaf: it imports no module of this package that could import it back, so
 * `context.ts`, the live caches, the stats and every service can depend on it without a cycle.
 */
import type { Db, DbKind } from '@goated/db';
import type { EventBus } from './events/bus';
import type { Logger } from './logger';
import type { SessionOptions } from './services/auth/lucia';
import type { RateLimits } from './services/rate-limit';
import type { SiteInfo } from './services/site';
import type { HttpUpstreamOptions } from './services/sync/http-source';
import type { SyncService } from './services/sync/service';

/** What the server process hands the router: long-lived dependencies, built once. */
export interface AppDeps {
  db: Db;
  dbKind: DbKind;
  pingDb(): Promise<void>;
  bus: EventBus;
  version: string;
  /** Tiered request limits. Absent only for server-side callers in tests. */
  rateLimits?: RateLimits;
  /** Session cookie policy (Secure flag, lifetime). */
  sessions?: SessionOptions;
  /** Told about every procedure call (logs, metrics). */
  observe?: (call: ProcedureCall) => void;
  /** The data pipeline (`sync.*` procedures); absent where nothing runs it. */
  sync?: SyncService | undefined;
  /** Read caches and live streams (push interval…); defaults apply when absent. */
  live?: LiveOptions;
  /** The server's logger, for background work that has no request to report to. */
  log?: Logger;
  /** Player data older than this (since the last successful sync) is reported stale. Default 300. */
  staleAfterSeconds?: number;
  /** Connection and message counters of the transport (the server owns the transport). */
  realtime?: RealtimeStatsSource;
  /**
   * How often the credentials of open connections (WebSockets, subscriptions, SSE streams) are
   * re-checked against the database, besides the revocation events. Default 30 s.
   */
  credentialRecheckMs?: number;
  /** The environment's feed (the default admins can override) and how to reach any feed. */
  upstream?: { fallback: UpstreamDefault | null; http: HttpTuning };
  /** The public front door's settings (referral code, currency, footer links); defaults apply when absent. */
  site?: SiteInfo;
}

/** One finished procedure call, for logs and metrics. */
export interface ProcedureCall {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  /** For a subscription: the time to start it. */
  durationMs: number;
  /** null on success, else the tRPC error code. */
  errorCode: string | null;
  requestId: string;
  userId: string | null;
  apiKeyId: number | null;
}

/** Tuning of the read caches and live streams; the server sets it from its configuration. */
export interface LiveOptions {
  /** A stream recomputes — and pushes — at most once per interval (LEADERBOARD_PUSH_INTERVAL_MS). */
  pushIntervalMs: number;
  /** Cached query results per kind (LRU). */
  cacheEntries?: number;
}

/** What the transport counts since the process started (the server implements the source). */
export interface RealtimeStats {
  connections: {
    /** WebSocket connections accepted since start. */
    total: number;
    active: number;
    /** Highest `active` seen since start. */
    peak: number;
  };
  subscriptions: { total: number; active: number };
  /** Server-Sent-Events streams (the fallback transport). */
  sse: { total: number; active: number };
  /** WebSocket frames received and sent (pings excluded). */
  messages: { in: number; out: number };
  /** Requests and connections refused as UNAUTHORIZED or FORBIDDEN. */
  authFailures: number;
  /** Connections closed because they stopped answering pings. */
  keepAliveTimeouts: number;
  /** Connections closed for reading too slowly (their send buffer passed the limit). */
  slowConsumersDropped: number;
  /** Connections closed for breaking a limit, by limit. */
  limitViolations: { messageTooLarge: number; messageRate: number; subscriptions: number };
}

export interface RealtimeStatsSource {
  snapshot(): RealtimeStats;
}

/** The feed the server was started with (the environment), null for the simulator. */
export interface UpstreamDefault {
  url: string;
  token: string | undefined;
}

/** Timeouts, retries and pages for any HTTP feed. */
export type HttpTuning = Omit<HttpUpstreamOptions, 'url' | 'token'>;
