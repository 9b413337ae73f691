import type { ApiKeyScope } from '@goated/db';
import type { AppDeps } from './deps';
import { Credential } from './services/auth/credential';

export type { AppDeps, ProcedureCall } from './deps';

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

/** Every field of a context, the optional dependencies too (present, maybe undefined). */
type AllFields = { [K in keyof Required<Context>]: Context[K] };

/**
 * Builds the per-request (or, for WebSockets, per-connection) context from a resolved identity.
 *
 * One object literal naming every field (`AllFields`: a dependency added to `AppDeps` and not
 * here fails to compile). A WebSocket holds its context for the connection's life, thousands of
 * them (issue #22): written `{ ...deps, user, … }`, V8 gives nearly every context a hidden class
 * of its own once the code is optimized (~0.7 KB each); with the fields spread after the named
 * ones, the shape is shared but most fields live in a second, out-of-object array (~0.1 KB
 * more). Named, they all sit in the object itself: ~0.2 KB a context.
 */
export function createContext(deps: AppDeps, request: RequestInfo): Context {
  const ctx: AllFields = {
    user: request.user ?? null,
    apiKey: request.apiKey ?? null,
    sessionId: request.sessionId ?? null,
    requestId: request.requestId,
    ip: request.ip ?? null,
    cookies: request.cookies ?? null,
    authenticatedAt: Date.now(),
    credential: credentialOf(request),
    db: deps.db,
    dbKind: deps.dbKind,
    pingDb: deps.pingDb,
    bus: deps.bus,
    version: deps.version,
    rateLimits: deps.rateLimits,
    sessions: deps.sessions,
    observe: deps.observe,
    sync: deps.sync,
    live: deps.live,
    log: deps.log,
    staleAfterSeconds: deps.staleAfterSeconds,
    realtime: deps.realtime,
    credentialRecheckMs: deps.credentialRecheckMs,
    upstream: deps.upstream,
    site: deps.site,
  };
  return ctx;
}
