import { TRPCError } from '@trpc/server';
import { t } from '../init';

/**
 * Every call is timed and reported (logs, metrics) with the code it finally ended with: this
 * runs outermost, so it sees what every middleware below made of the outcome.
 */
export const observed = t.middleware(async ({ ctx, type, path, next }) => {
  const started = performance.now();
  let errorCode: string | null = null;
  try {
    const result = await next();
    if (!result.ok) errorCode = result.error.code;
    return result;
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
