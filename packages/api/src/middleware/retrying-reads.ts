import { t } from '../init';
import { databaseUnavailable, retryWhileTransient } from '../retry';
import { isTransientDbError } from '../services/db-errors';

/**
 * Reads are safe to repeat: a query rides out a database restart with a short backoff
 * (retry.ts). A mutation is not repeated; either way a transient failure reaches the caller as
 * SERVICE_UNAVAILABLE, not as an internal error.
 */
export const retryingReads = t.middleware(async ({ type, next }) => {
  const result =
    type === 'query'
      ? await retryWhileTransient(
          () => next(),
          (r) => !r.ok && isTransientDbError(r.error.cause),
        )
      : await next();
  if (!result.ok && isTransientDbError(result.error.cause)) throw databaseUnavailable(result.error.cause);
  return result;
});
