import type { ApiKeyScope } from '@goated/db';
import type { InputIssue } from '@goated/validators';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Context } from './context';
import { FieldError, fieldError } from './errors';
import { endedError } from './services/auth/credential';
import { credentialMonitor } from './services/auth/credential-monitor';
import { endWithCredential } from './services/auth/revocation';
import { isTransientDbError } from './services/db-errors';
import { RateLimitedError, type RateTier } from './services/rate-limit';
import { findUnstorableText } from './text';
import { humanMessage } from './validation';

/** A rejected input field, as clients receive them under `error.data.zodIssues`. */

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

/** Who may call a procedure: set by the builder it is made with (below), read by docs/API.md. */
export type Access = 'public' | 'session' | 'admin' | `apiKey:${ApiKeyScope}`;

/**
 * What a procedure declares about itself. `access` comes from its builder; `openapi` (a REST
 * path, see trpc-to-openapi) is set on the procedures that are also plain HTTP endpoints;
 * `rateTiers` names tiers the procedure spends on top of its kind's (see `callTier`).
 */
export interface ProcedureMeta extends OpenApiMeta {
  access?: Access;
  rateTiers?: RateTier[];
  /**
   * The procedure checks the text in its input itself, item by item (a sync batch skips one
   * bad record and applies the rest), instead of the whole call being refused (see `checked`).
   */
  textCheckedByService?: boolean;
}

/** The tier every call counts against: mutations, or queries (subscriptions count as queries). */
export function callTier(type: 'query' | 'mutation' | 'subscription'): RateTier {
  return type === 'mutation' ? 'mutation' : 'query';
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
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
 * Every procedure passes here first: the call is timed and reported (logs, metrics); the
 * caller's credential must still hold — a WebSocket's context lives as long as its connection,
 * and its session or key may have been revoked, expired or lost its owner's rights since
 * (services/auth/credential-monitor.ts); a subscription ends when that credential does.
 */
const checked = t.procedure.use(async ({ ctx, type, path, meta, getRawInput, next }) => {
  const started = performance.now();
  let errorCode: string | null = null;
  try {
    const monitor = credentialMonitor(ctx);
    const ended = monitor.reason(ctx);
    if (ended) throw endedError(ended, ctx.credential?.source.kind);
    if (!meta?.textCheckedByService) refuseUnstorableText(await getRawInput());
    const result = await next();
    if (!result.ok) errorCode = result.error.code;
    if (type !== 'subscription' || !result.ok || !ctx.credential) return result;
    return { ...result, data: endWithCredential(result.data, ctx.credential, monitor) };
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

/**
 * Text the database cannot store (NUL) or that is not text (an unpaired surrogate), anywhere in
 * any procedure's input, is the caller's mistake: BAD_REQUEST naming the field, checked once
 * here for every procedure, before a query fails on it with a 500.
 */
function refuseUnstorableText(rawInput: unknown): void {
  const found = findUnstorableText(rawInput);
  if (found) throw fieldError('BAD_REQUEST', found.path, found.problem);
}

/** The caller's own budget: per user, per API key, or per address. */
const limitedByCaller = t.middleware(async ({ ctx, type, next }) => {
  if (ctx.rateLimits) {
    const who = ctx.user ? `u:${ctx.user.id}` : ctx.apiKey ? `k:${ctx.apiKey.id}` : `ip:${ctx.ip ?? 'unknown'}`;
    await ctx.rateLimits.consume(callTier(type), who);
  }
  return next();
});

/** Reads are safe to repeat: ride out a database restart with a short backoff. */
const retryingReads = t.middleware(async ({ type, next }) => {
  let result = await next();
  for (
    let attempt = 0;
    type === 'query' && !result.ok && isTransientDbError(result.error.cause) && attempt < 3;
    attempt++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 150 * 2 ** attempt));
    result = await next();
  }
  if (!result.ok && isTransientDbError(result.error.cause)) {
    return {
      ...result,
      error: new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The database is unavailable; retry shortly',
        cause: result.error.cause,
      }),
    };
  }
  return result;
});

export const publicProcedure = checked.meta({ access: 'public' }).use(limitedByCaller).use(retryingReads);

/** An account still on a generated password (first admin, operator reset) may only change it. */
function refuseGeneratedPassword(user: Context['user'], path: string): void {
  if (user?.mustChangePassword && path !== 'auth.changePassword') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Choose a new password first: this account is still on a generated one',
    });
  }
}

/** Signed-in users only. */
export const protectedProcedure = publicProcedure.meta({ access: 'session' }).use(({ ctx, path, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  refuseGeneratedPassword(ctx.user, path);
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Services holding an API key with `scope` (an `admin`-scoped key passes every scope check).
 * Signed-in admins pass too, so the dashboard can drive the same procedures.
 */
function requireScope(scope: ApiKeyScope) {
  return t.middleware(({ ctx, path, next }) => {
    const key = ctx.apiKey;
    if (key && (key.scopes.includes(scope) || key.scopes.includes('admin')))
      return next({ ctx: { ...ctx, apiKey: key } });
    if (!key && ctx.user?.role === 'admin') {
      refuseGeneratedPassword(ctx.user, path);
      return next({ ctx: { ...ctx, apiKey: null } });
    }
    if (!key && !ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key is required' });
    throw new TRPCError({ code: 'FORBIDDEN', message: `This needs an API key with the ${scope} scope` });
  });
}

export function scopedProcedure(scope: ApiKeyScope) {
  return checked
    .meta({ access: `apiKey:${scope}` })
    .use(limitedByCaller)
    .use(requireScope(scope))
    .use(retryingReads);
}

/**
 * A scoped procedure that a service calls on behalf of someone else (the bot, for a Telegram
 * user): its calls count against `tier` for the key `keyOf` finds in the raw input — that
 * person's budget — instead of against the service's key, so one busy person cannot spend
 * everyone's. Without such a key in the input, the caller's own key counts.
 */
export function scopedProcedureOnBehalf(
  scope: ApiKeyScope,
  tier: RateTier,
  keyOf: (rawInput: unknown) => string | null,
) {
  const limitedByPrincipal = t.middleware(async ({ ctx, type, getRawInput, next }) => {
    if (ctx.rateLimits) {
      const principal = keyOf(await getRawInput());
      if (principal) await ctx.rateLimits.consume(tier, principal);
      else await ctx.rateLimits.consume(callTier(type), `k:${ctx.apiKey?.id ?? 'none'}`);
    }
    return next();
  });
  return checked
    .meta({ access: `apiKey:${scope}`, rateTiers: [tier] })
    .use(requireScope(scope))
    .use(limitedByPrincipal)
    .use(retryingReads);
}

/**
 * Admins: a signed-in admin, or an API key with the `admin` scope; a `read`-scoped key may use
 * the admin queries and streams but change nothing.
 */
export const adminProcedure = publicProcedure.meta({ access: 'admin' }).use(({ ctx, type, path, next }) => {
  if (ctx.user?.role === 'admin') {
    refuseGeneratedPassword(ctx.user, path);
    return next();
  }
  const scopes = ctx.apiKey?.scopes ?? [];
  if (scopes.includes('admin') || (type !== 'mutation' && scopes.includes('read'))) return next();
  if (!ctx.user && !ctx.apiKey) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
});
