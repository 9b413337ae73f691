import { TRPCError } from '@trpc/server';
import { type AppDeps, type Context, type CookieSink, createContext } from '../../context';
import { API_KEY_PREFIX, verifyApiKey } from './api-keys';
import { sha256 } from './credentials';
import { luciaFor } from './lucia';

/** Credentials as the transport found them; which ones to trust is decided here. */
export interface RawCredentials {
  requestId: string;
  ip: string | null;
  /** The Cookie header — the transport passes it only from an allowed Origin (CSRF). */
  cookieHeader: string | null;
  /** The Authorization header. */
  authorization: string | null;
  /** A token from WebSocket connection params or the SSE URL. */
  connectionToken: string | null;
  cookies: CookieSink | null;
}

function bearer(authorization: string | null): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}

/**
 * Resolves who is calling: an API key (`gvk_…`) or a session token presented explicitly, else
 * the session cookie. A bad explicit credential is an error (scripts should hear about it); a
 * stale cookie is cleared and the caller continues signed out. Banned users are refused.
 */
export async function createRequestContext(deps: AppDeps, raw: RawCredentials): Promise<Context> {
  const base = { requestId: raw.requestId, ip: raw.ip, cookies: raw.cookies };
  const token = bearer(raw.authorization) ?? raw.connectionToken;

  if (token?.startsWith(API_KEY_PREFIX)) {
    const check = await verifyApiKey(deps.db, token, raw.ip);
    if (!check.ok) {
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: check.reason === 'unknown' ? 'Unknown API key' : `This API key is ${check.reason}`,
      });
    }
    return createContext(deps, { ...base, apiKey: check.identity });
  }

  const lucia = luciaFor(deps.db, deps.sessions);
  const fromCookie = token ? null : raw.cookieHeader ? lucia.readSessionCookie(raw.cookieHeader) : null;
  const sessionToken = token ?? fromCookie;
  if (!sessionToken) return createContext(deps, base);

  const { session, user } = await lucia.validateSession(sha256(sessionToken));
  if (!session) {
    if (token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Session expired or signed out' });
    raw.cookies?.set(lucia.createBlankSessionCookie().serialize());
    return createContext(deps, base);
  }
  if (user.banned) {
    await lucia.invalidateUserSessions(user.id);
    raw.cookies?.set(lucia.createBlankSessionCookie().serialize());
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This account is banned' });
  }
  // Sliding expiry: lucia extended the session; refresh the browser's cookie to match.
  if (session.fresh && fromCookie) raw.cookies?.set(lucia.createSessionCookie(fromCookie).serialize());
  return createContext(deps, {
    ...base,
    user: { id: user.id, username: user.username, role: user.role, mustChangePassword: user.mustChangePassword },
    sessionId: session.id,
  });
}
