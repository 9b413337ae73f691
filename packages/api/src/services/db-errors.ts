/**
 * Errors that mean "the database is unreachable right now" rather than "this query is wrong":
 * refused or dropped connections and PostgreSQL's shutdown/startup states (SQLSTATE class 08,
 * 57P01–57P03). Safe reads are retried on them; clients get SERVICE_UNAVAILABLE.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
]);

export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    if ('code' in e && typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || e.code.startsWith('08')))
      return true;
    if (e instanceof AggregateError && e.errors.some(isTransientDbError)) return true;
    e = 'cause' in e ? e.cause : undefined;
  }
  return false;
}

/** A unique-constraint violation (SQLSTATE 23505), wherever drizzle wrapped it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    if ('code' in e && e.code === '23505') return true;
    e = 'cause' in e ? e.cause : undefined;
  }
  return false;
}
