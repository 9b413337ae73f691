import type { ApiKeyScope, Db, DbKind } from '@goated/db';
import type { EventBus } from './events/bus';
import type { RealtimeStatsSource } from './services/stats';

/** What the server process hands the router: long-lived dependencies, built once. */
export interface AppDeps {
  db: Db;
  dbKind: DbKind;
  pingDb(): Promise<void>;
  bus: EventBus;
  version: string;
  /** The server's logger, for background work that has no request to report to. */
  log?: DepsLogger;
  /** Connection and message counters of the transport (the server owns the transport). */
  realtime?: RealtimeStatsSource;
}

/** The subset of pino's logger the router and services use. */
export interface DepsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The signed-in identity behind a request (accounts arrive with the auth layer). */
export interface SessionUser {
  id: string;
  username: string;
  role: 'user' | 'admin';
}

/** A service credential behind a request (bot, ingest, scripts). */
export interface ApiKeyIdentity {
  id: number;
  name: string;
  scopes: ApiKeyScope[];
}

export interface Context extends AppDeps {
  user: SessionUser | null;
  apiKey: ApiKeyIdentity | null;
  /** Correlates a request's log lines. */
  requestId: string;
}

export interface RequestInfo {
  requestId: string;
  /** Identity already resolved by the transport (session cookie, bearer token). */
  user?: SessionUser | null;
  apiKey?: ApiKeyIdentity | null;
}

/** Builds the per-request (or, for WebSockets, per-connection) context. */
export function createContext(deps: AppDeps, request: RequestInfo): Context {
  return { ...deps, user: request.user ?? null, apiKey: request.apiKey ?? null, requestId: request.requestId };
}
