/**
 * Riding out a database blip (a restart, a failover): a read that failed on a transient
 * connection error is tried again, 150, 300 and 600 ms later (~1 s in all); past that the
 * caller hears SERVICE_UNAVAILABLE ("retry shortly") rather than an internal error. The router
 * (`retryingReads`) and the transport (resolving who is calling) share this one policy.
 */
import { UnavailableError } from './errors';
import { isTransientDbError } from './services/db-errors';

const RETRIES = 3;
const FIRST_DELAY_MS = 150;

/** What the caller of a read hears once the database stayed unreachable through the retries. */
export function databaseUnavailable(cause: unknown): UnavailableError {
  return new UnavailableError('The database is unavailable; retry shortly', { cause });
}

/**
 * Runs `attempt` again while `failedTransiently` says its outcome is a transient database
 * failure, with backoff, at most three more times; returns the last outcome. For callers whose
 * failures are values (a tRPC middleware's `next()` result), not thrown errors.
 */
export async function retryWhileTransient<T>(
  attempt: () => Promise<T>,
  failedTransiently: (outcome: T) => boolean,
): Promise<T> {
  let outcome = await attempt();
  for (let retry = 0; retry < RETRIES && failedTransiently(outcome); retry++) {
    await new Promise((resolve) => setTimeout(resolve, FIRST_DELAY_MS * 2 ** retry));
    outcome = await attempt();
  }
  return outcome;
}

/** `read`, retried through a transient database failure; then `databaseUnavailable`. */
export async function retryTransientRead<T>(read: () => Promise<T>): Promise<T> {
  const outcome = await retryWhileTransient(
    () =>
      read().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    (o) => !o.ok && isTransientDbError(o.error),
  );
  if (outcome.ok) return outcome.value;
  throw isTransientDbError(outcome.error) ? databaseUnavailable(outcome.error) : outcome.error;
}
