import { TRPCClientError } from '@trpc/client';

/** Network error codes that mean "nothing answered at that address". */
const unreachableCodes: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  UND_ERR_SOCKET: 'connection closed',
};

function codeOf(err: unknown): string | null {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if ('code' in cause && typeof cause.code === 'string' && cause.code in unreachableCodes) return cause.code;
    if (cause instanceof AggregateError) {
      const inner = cause.errors.map(codeOf).find((code) => code !== null);
      if (inner) return inner;
    }
    cause = cause.cause;
  }
  return null;
}

/**
 * Why the server could not be reached ("connection refused", …), or null when the error is an
 * answer from the server (or anything else).
 */
export function unreachableReason(err: unknown): string | null {
  const code = codeOf(err);
  if (code) return unreachableCodes[code] ?? code;
  // fetch's own wording when the request never got an answer.
  if (err instanceof TRPCClientError && !err.data && /fetch failed/i.test(err.message)) return 'no answer';
  return null;
}

/** Why a call never got an answer: the address tried and the network's reason. */
export interface Unreachable {
  url: string;
  reason: string;
  message: string;
}

// TRPCClientError resets its prototype in its constructor, so a subclass would not survive
// `instanceof`: the errors this client raises for an unreachable server are remembered here.
const unreachableErrors = new WeakMap<Error, Unreachable>();

/** Raised instead of fetch's bare "fetch failed": names the address that was tried. */
export function unreachableError(url: string, reason: string, cause: Error): TRPCClientError<never> {
  const message = `Could not reach the server at ${url} (${reason})`;
  const err = new TRPCClientError<never>(message, { cause });
  err.name = 'ServerUnreachableError';
  unreachableErrors.set(err, { url, reason, message });
  return err;
}

/** A call the server took in but did not answer within `ms` (a server or proxy gone silent). */
export function noAnswerError(url: string, ms: number): TRPCClientError<never> {
  const reason = `no answer within ${ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`}`;
  const message = `The server at ${url} gave ${reason}`;
  const err = new TRPCClientError<never>(message);
  err.name = 'ServerUnreachableError';
  unreachableErrors.set(err, { url, reason, message });
  return err;
}

/**
 * Whether (and why) a failed call never reached the server: the address tried and the reason,
 * or null when the server answered (or the failure is something else).
 */
export function serverUnreachable(err: unknown): Unreachable | null {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const found = unreachableErrors.get(cause);
    if (found) return found;
    cause = cause.cause;
  }
  return null;
}

/** The tRPC error code of a failed call (`NOT_FOUND`, `UNAUTHORIZED`, …) when the server answered one. */
export function errorCode(err: unknown): string | null {
  if (!(err instanceof TRPCClientError)) return null;
  const data: unknown = err.data;
  if (typeof data !== 'object' || data === null || !('code' in data)) return null;
  return typeof data.code === 'string' ? data.code : null;
}
