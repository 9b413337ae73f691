import type { ApiKeyScope } from '@goated/db';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { Context } from './context';

/** The zod issues of a rejected input, as clients receive them under `error.data.zodIssues`. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Server-Sent Events (the subscription fallback): a ping keeps proxies from closing a quiet
  // stream, and a client that hears nothing for 20 s reconnects (a dead stream is noticed).
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
  // Stacks never leave the server.
  isDev: false,
  errorFormatter({ shape, error }) {
    const zodIssues: InputIssue[] | null =
      error.code === 'BAD_REQUEST' && error.cause instanceof ZodError
        ? error.cause.issues.map((issue) => ({
            path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
            message: issue.message,
            code: issue.code,
          }))
        : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      message: internal ? 'Internal server error' : zodIssues ? describeIssues(zodIssues) : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        zodIssues,
      },
    };
  },
});

/** "limit: Too big: expected number to be <=100; period: Invalid option" */
function describeIssues(issues: InputIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

export const publicProcedure = t.procedure;

/** Signed-in users only. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Services holding an API key with `scope` (an `admin`-scoped key passes every scope check).
 * Signed-in admins pass too, so the dashboard can drive the same procedures.
 */
export function scopedProcedure(scope: ApiKeyScope) {
  return t.procedure.use(({ ctx, next }) => {
    const key = ctx.apiKey;
    if (key && (key.scopes.includes(scope) || key.scopes.includes('admin')))
      return next({ ctx: { ...ctx, apiKey: key } });
    if (!key && ctx.user?.role === 'admin') return next({ ctx: { ...ctx, apiKey: null } });
    if (!key && !ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key is required' });
    throw new TRPCError({ code: 'FORBIDDEN', message: `This needs an API key with the ${scope} scope` });
  });
}

/** Admins only. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
  return next();
});
