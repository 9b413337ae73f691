import type { ApiKeyScope, Db, DbKind } from '@goated/db';
import type { EventBus } from './events/bus';
import type { Logger } from './logger';
import { Credential } from './services/auth/credential';
import type { SessionOptions } from './services/auth/lucia';
import type { LiveOptions } from './services/live';
import type { RateLimits } from './services/rate-limit';
import type { SiteInfo } from './services/site';
import type { RealtimeStatsSource } from './services/stats';
import type { SyncService } from './services/sync/service';
import type { UpstreamDefault } from './services/upstream/settings';
import type { HttpTuning } from './services/upstream/source';

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

/** The signed-in identity behind a request. */
export interface SessionUser {
  id: string;
  username: string;
  role: 'user' | 'admin';
  /** Signed in with a generated password: nothing but changing it is allowed. */
  mustChangePassword?: boolean;
}

/** A service credential behind a request (bot, ingest, scripts). */
export interface ApiKeyIdentity {
  id: number;
  name: string;
  scopes: ApiKeyScope[];
  /** The admin whose rights the key acts with (null: a system key). */
  ownerId: string | null;
}

/** Where procedures put cookies for the HTTP response (null on WebSockets, which cannot set any). */
export interface CookieSink {
  set(serializedCookie: string): void;
}

export interface Context extends AppDeps {
  user: SessionUser | null;
  apiKey: ApiKeyIdentity | null;
  /** The lucia session behind `user`, when it came from a session token or cookie. */
  sessionId: string | null;
  /** Correlates a request's log lines. */
  requestId: string;
  /** The client's address, for rate limits and the audit log. */
  ip: string | null;
  cookies: CookieSink | null;
  /** When the identity was established (a WebSocket's context lives as long as the connection). */
  authenticatedAt: number;
  /**
   * What the identity rests on (a session or an API key); null when signed out. Long-lived
   * contexts end with it (see services/auth/credential-monitor.ts).
   */
  credential: Credential | null;
}

export interface RequestInfo {
  requestId: string;
  /** Identity already resolved by the transport (see `createRequestContext`). */
  user?: SessionUser | null;
  apiKey?: ApiKeyIdentity | null;
  sessionId?: string | null;
  ip?: string | null;
  cookies?: CookieSink | null;
  /** The credential as the transport checked it (with its deadline); derived when absent. */
  credential?: Credential | null;
}

/** Server-side callers name an identity without a presented credential: one stands for it. */
function credentialOf(request: RequestInfo): Credential | null {
  if (request.credential !== undefined) return request.credential;
  if (request.apiKey)
    return new Credential({ kind: 'apiKey', keyId: request.apiKey.id, ownerId: request.apiKey.ownerId });
  if (request.user) {
    return new Credential({
      kind: 'session',
      sessionId: request.sessionId ?? null,
      userId: request.user.id,
      role: request.user.role,
    });
  }
  return null;
}

/** Builds the per-request (or, for WebSockets, per-connection) context from a resolved identity. */
export function createContext(deps: AppDeps, request: RequestInfo): Context {
  return {
    ...deps,
    user: request.user ?? null,
    apiKey: request.apiKey ?? null,
    sessionId: request.sessionId ?? null,
    requestId: request.requestId,
    ip: request.ip ?? null,
    cookies: request.cookies ?? null,
    authenticatedAt: Date.now(),
    credential: credentialOf(request),
  };
}
