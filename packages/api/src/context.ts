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

/** What a context holds besides the dependencies: who is calling, and the request. */
export interface RequestScope {
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

export interface Context extends AppDeps, RequestScope {}

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

/**
 * Builds the per-request (or, for WebSockets, per-connection) context from a resolved identity.
 *
 * Its own fields come first and `deps` is spread after them: the other way round (`{ ...deps,
 * user, … }`), V8 gives nearly every context a hidden class (map) of its own once the code is
 * optimized — ~0.7 KB more per object, held for a WebSocket's life (issue #22). Spread last,
 * every context shares one shape. `AppDeps` and `RequestScope` share no name (`_disjoint`), so
 * the order changes no value.
 */
export function createContext(deps: AppDeps, request: RequestInfo): Context {
  return {
    user: request.user ?? null,
    apiKey: request.apiKey ?? null,
    sessionId: request.sessionId ?? null,
    requestId: request.requestId,
    ip: request.ip ?? null,
    cookies: request.cookies ?? null,
    authenticatedAt: Date.now(),
    credential: credentialOf(request),
    ...deps,
  };
}

/** A compile-time check: a dependency named like a request field would override it above. */
const _disjoint: [Extract<keyof AppDeps, keyof RequestScope>] extends [never] ? true : never = true;
void _disjoint;
