import { type Db, schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import { type AppDeps, type Context, type CookieSink, createContext } from '../../context';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import { tooManyRequests } from '../rate-limit';
import { verifyApiKey } from './api-key-standing';
import { API_KEY_PREFIX } from './api-keys';
import { Credential } from './credential';
import { sha256 } from './credentials';
import { type AppLucia, luciaFor } from './lucia';

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
 * Guessing keys or session tokens: an address whose presented credentials were refused too
 * often is refused before anything is checked, until its window passes.
 */
async function refuseWhileFailing(deps: AppDeps, address: string): Promise<void> {
  if (!deps.rateLimits) return;
  const used = await deps.rateLimits.used('credentialFailure', address);
  if (used.points >= deps.rateLimits.limit('credentialFailure').points) {
    const seconds = Math.max(1, Math.ceil(used.msBeforeReset / 1000));
    throw tooManyRequests(
      'credentialFailure',
      used.msBeforeReset,
      `Too many refused credentials from this address; retry in ${seconds} s`,
    );
  }
}

async function refused(deps: AppDeps, address: string, error: UnauthorizedError): Promise<never> {
  await deps.rateLimits?.penalize('credentialFailure', address);
  throw error;
}

/**
 * Resolves who is calling: an API key (`gvk_…`) or a session token presented explicitly, else
 * the session cookie. A bad explicit credential is an error (scripts should hear about it); a
 * stale cookie is cleared and the caller continues signed out. Banned users are refused. The
 * context carries the credential with its deadline, for connections that outlive this check.
 */
export async function createRequestContext(deps: AppDeps, raw: RawCredentials): Promise<Context> {
  const base = { requestId: raw.requestId, ip: raw.ip, cookies: raw.cookies };
  const token = bearer(raw.authorization) ?? raw.connectionToken;
  const address = raw.ip ?? 'unknown';
  if (token) await refuseWhileFailing(deps, address);

  if (token?.startsWith(API_KEY_PREFIX)) {
    const check = await verifyApiKey(deps.db, token, raw.ip);
    if (!check.ok) {
      return refused(
        deps,
        address,
        new UnauthorizedError(check.reason === 'unknown' ? 'Unknown API key' : `This API key is ${check.reason}`),
      );
    }
    const { identity } = check;
    const credential = new Credential(
      { kind: 'apiKey', keyId: identity.id, ownerId: identity.ownerId },
      check.deadline,
    );
    return createContext(deps, { ...base, apiKey: identity, credential });
  }

  const lucia = luciaFor(deps.db, deps.sessions);
  const fromCookie = token ? null : raw.cookieHeader ? lucia.readSessionCookie(raw.cookieHeader) : null;
  const sessionToken = token ?? fromCookie;
  if (!sessionToken) return createContext(deps, base);

  const { session, user } = await validateConfirmed(lucia, deps.db, sha256(sessionToken));
  if (!session) {
    if (token) {
      return refused(deps, address, new UnauthorizedError('Session expired or signed out'));
    }
    raw.cookies?.set(lucia.createBlankSessionCookie().serialize());
    return createContext(deps, base);
  }
  if (user.banned) {
    await lucia.invalidateUserSessions(user.id);
    raw.cookies?.set(lucia.createBlankSessionCookie().serialize());
    throw new ForbiddenError('This account is banned');
  }
  // Sliding expiry: lucia extended the session; refresh the browser's cookie to match.
  if (session.fresh && fromCookie) raw.cookies?.set(lucia.createSessionCookie(fromCookie).serialize());
  const credential = new Credential(
    { kind: 'session', sessionId: session.id, userId: user.id, role: user.role },
    { at: session.expiresAt.getTime(), reason: 'expired' },
  );
  return createContext(deps, {
    ...base,
    user: { id: user.id, username: user.username, role: user.role, mustChangePassword: user.mustChangePassword },
    sessionId: session.id,
    credential,
  });
}

/**
 * lucia's session lookup, and, when it finds none, a second read of the session's own row before
 * the caller is refused or signed out (a cookie is cleared). A stale or made-up token has no row:
 * one more indexed read, on a path the credential-failure limit already bounds. A session that is
 * there was misread: seen under load in the database-blip fault test, where a connection cut
 * mid-query left the driver answering a later lookup wrongly (porsager/postgres#1119's family,
 * `patches/postgres@3.4.9.patch`); it is looked up again rather than taken for signed out. A
 * failed read throws, as the first lookup's would: the caller gets "unavailable", not "signed out".
 */
export async function validateConfirmed(lucia: Pick<AppLucia, 'validateSession'>, db: Db, sessionId: string) {
  const first = await lucia.validateSession(sessionId);
  if (first.session) return first;
  const [row] = await db
    .select({ id: schema.sessions.id })
    .from(schema.sessions)
    .where(eq(schema.sessions.id, sessionId))
    .limit(1);
  return row ? lucia.validateSession(sessionId) : first;
}
