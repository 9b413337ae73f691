/**
 * The one `initTRPC` of the router: its context, its procedure meta, the transformer and the
 * error formatter (what every failure looks like on the wire). Middlewares (`middleware/`) and
 * the procedure builders (`trpc.ts`) are built from `t`.
 */
import type { ApiKeyScope } from '@goated/db';
import type { InputIssue } from '@goated/validators';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Context } from './context';
import { FieldError } from './errors';
import { RateLimitedError, type RateTier } from './services/rate-limit';
import { humanMessage } from './validation';

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

/** Who may call a procedure: set by the builder it is made with (trpc.ts), read by docs/API.md. */
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
   * bad record and applies the rest), instead of the whole call being refused (see `storableText`).
   */
  textCheckedByService?: boolean;
  /**
   * A subscription whose stream is shared (`SharedSubscription`, live/shared-stream.ts) and whose
   * push path ends with the detach function it returns: a transport that takes that path (our
   * WebSocket) calls it without an abort signal, which costs ~0.9 KB per subscription in Node
   * (issue #22). Every other consumer passes its signal as usual.
   */
  sharedStream?: true;
}

export const t = initTRPC
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
