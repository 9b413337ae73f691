import type { ApiKeyScope } from '@goated/db';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { Context } from './context';
import { FieldError } from './errors';
import { endOnRevoke, revocations, revokedError } from './services/auth/revocation';
import { isTransientDbError } from './services/db-errors';
import { RateLimitedError } from './services/rate-limit';
import { humanMessage } from './validation';

/** A rejected input field, as clients receive them under `error.data.zodIssues`. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** The issues of a rejected input, worded for people (what clients get as `zodIssues`). */
export function issuesOf(cause: unknown): InputIssue[] | null {
  if (cause instanceof ZodError) {
    return cause.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      return { path, message: humanMessage(path, issue.message), code: issue.code };
    });
  }
  if (cause instanceof FieldError) {
    return [{ path: cause.path, message: humanMessage(cause.path, cause.reason), code: 'custom' }];
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Server-Sent Events (the subscription fallback): a ping keeps proxies from closing a quiet
  // stream, and a client that hears nothing for 20 s reconnects (a dead stream is noticed).
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
  // Stacks never leave the server.
  isDev: false,
  errorFormatter({ shape, error }) {
    const zodIssues = issuesOf(error.cause);
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    const retryAfterSeconds =
      error.cause instanceof RateLimitedError ? Math.ceil(error.cause.retryAfterMs / 1000) : null;
    return {
      ...shape,
      message: internal ? 'Internal server error' : zodIssues ? describeIssues(zodIssues) : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        zodIssues,
        /** Set on TOO_MANY_REQUESTS: when to try again. */
        retryAfterSeconds,
      },
    };
  },
});

/** "Limit must be at most 100. Period must be one of today, week, month, all." */
function describeIssues(issues: InputIssue[]): string {
  return issues.map((i) => (/[.!?]$/.test(i.message) ? i.message : `${i.message}.`)).join(' ');
}

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * Every procedure passes here: a revoked session (signed out, banned, password changed) is
 * refused even on a long-lived WebSocket context; calls count against the caller's rate tier;
 * a signed-in user's subscriptions end when their session is revoked.
 */
const guarded = t.procedure.use(async ({ ctx, type, path, next }) => {
  const started = performance.now();
  let errorCode: string | null = null;
  try {
    if (ctx.user) {
      const reason = revocations(ctx.bus).reason(ctx.user.id, ctx.sessionId, ctx.authenticatedAt);
      if (reason) throw revokedError(reason);
    }
    if (ctx.rateLimits) {
      const who = ctx.user ? `u:${ctx.user.id}` : ctx.apiKey ? `k:${ctx.apiKey.id}` : `ip:${ctx.ip ?? 'unknown'}`;
      await ctx.rateLimits.consume(type === 'mutation' ? 'mutation' : 'query', who);
    }
    let result = await next();
    // Reads are safe to repeat: ride out a database restart with a short backoff.
    for (
      let attempt = 0;
      type === 'query' && !result.ok && isTransientDbError(result.error.cause) && attempt < 3;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 150 * 2 ** attempt));
      result = await next();
    }
    if (!result.ok && isTransientDbError(result.error.cause)) {
      result = {
        ...result,
        error: new TRPCError({
          code: 'SERVICE_UNAVAILABLE',
          message: 'The database is unavailable; retry shortly',
          cause: result.error.cause,
        }),
      };
    }
    if (!result.ok) errorCode = result.error.code;
    if (type !== 'subscription' || !ctx.user || !result.ok) return result;
    return {
      ...result,
      data: endOnRevoke(result.data, ctx.bus, {
        userId: ctx.user.id,
        sessionId: ctx.sessionId,
        since: ctx.authenticatedAt,
      }),
    };
  } catch (err) {
    errorCode = err instanceof TRPCError ? err.code : 'INTERNAL_SERVER_ERROR';
    throw err;
  } finally {
    ctx.observe?.({
      path,
      type,
      durationMs: performance.now() - started,
      errorCode,
      requestId: ctx.requestId,
      userId: ctx.user?.id ?? null,
      apiKeyId: ctx.apiKey?.id ?? null,
    });
  }
});

export const publicProcedure = guarded;

/** Signed-in users only. */
export const protectedProcedure = guarded.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Services holding an API key with `scope` (an `admin`-scoped key passes every scope check).
 * Signed-in admins pass too, so the dashboard can drive the same procedures.
 */
export function scopedProcedure(scope: ApiKeyScope) {
  return guarded.use(({ ctx, next }) => {
    const key = ctx.apiKey;
    if (key && (key.scopes.includes(scope) || key.scopes.includes('admin')))
      return next({ ctx: { ...ctx, apiKey: key } });
    if (!key && ctx.user?.role === 'admin') return next({ ctx: { ...ctx, apiKey: null } });
    if (!key && !ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key is required' });
    throw new TRPCError({ code: 'FORBIDDEN', message: `This needs an API key with the ${scope} scope` });
  });
}

/**
 * Admins: a signed-in admin, or an API key with the `admin` scope; a `read`-scoped key may use
 * the admin queries and streams but change nothing.
 */
export const adminProcedure = guarded.use(({ ctx, type, next }) => {
  if (ctx.user?.role === 'admin') return next();
  const scopes = ctx.apiKey?.scopes ?? [];
  if (scopes.includes('admin') || (type !== 'mutation' && scopes.includes('read'))) return next();
  if (!ctx.user && !ctx.apiKey) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
});
