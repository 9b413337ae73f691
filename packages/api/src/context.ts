import type { ApiKeyScope, Db, DbKind } from '@goated/db';
import type { EventBus } from './events/bus';
import type { LiveOptions } from './services/live';

/** What the server process hands the router: long-lived dependencies, built once. */
export interface AppDeps {
  db: Db;
  dbKind: DbKind;
  pingDb(): Promise<void>;
  bus: EventBus;
  version: string;
  /** Read caches and live streams (push interval…); defaults apply when absent. */
  live?: LiveOptions;
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
