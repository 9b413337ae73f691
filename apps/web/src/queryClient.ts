import { QueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';

/** Answers that asking again cannot change: the thing is not there, the input is wrong, or not allowed. */
const FINAL_CODES = new Set(['NOT_FOUND', 'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'PARSE_ERROR']);

/** The tRPC error code of a failed call ("NOT_FOUND"), or null for anything else (a network error). */
export function errorCode(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null || !('code' in data)) return null;
  return typeof data.code === 'string' ? data.code : null;
}

export function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'NOT_FOUND';
}

/**
 * Retries a query twice when the failure may pass (network, server error, rate limit), never when
 * the server has answered for good: a player that does not exist shows "not found" at once.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const code = errorCode(error);
  if (code !== null && FINAL_CODES.has(code)) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 15_000, retry: shouldRetry, refetchOnWindowFocus: false },
    },
  });
}
