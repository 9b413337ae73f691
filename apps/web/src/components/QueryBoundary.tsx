import { QueryErrorResetBoundary } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { type ReactNode, Suspense } from 'react';
import { isNotFound } from '../queryClient';
import { ErrorBoundary } from './ErrorBoundary';
import { QueryError, SkeletonRows } from './States';

interface QueryBoundaryProps {
  /** What is loading, for the failure message ("the audit log" → "Could not load the audit log: …"). */
  what: string;
  /** The placeholder rows shown while it loads. */
  loading?: { rows?: number; label?: string };
  /** Offer "Try again" on a failure (refetches the failed queries). */
  retry?: boolean;
  /** Shown instead when the server answers NOT_FOUND (a page whose subject does not exist). */
  notFound?: ReactNode;
  /** The inputs of the queries inside: a failure is dropped (and asked again) when one changes. */
  resetKeys?: readonly unknown[];
  children: ReactNode;
}

/**
 * Where a part of a page waits for its `useSuspenseQuery` data: skeleton rows while it loads, the
 * failed call's message (or "not found") with a retry when it fails. Anything that is not a failed
 * call (a rendering bug) goes on to the page's own boundary.
 */
export function QueryBoundary({ what, loading = {}, retry = true, notFound, resetKeys, children }: QueryBoundaryProps) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <ErrorBoundary
          onReset={reset}
          {...(resetKeys ? { resetKeys } : {})}
          fallback={(error, tryAgain) => {
            if (!(error instanceof TRPCClientError)) throw error;
            if (notFound !== undefined && isNotFound(error)) return notFound;
            return <QueryError error={error} what={what} {...(retry ? { retry: tryAgain } : {})} />;
          }}
        >
          <Suspense fallback={<SkeletonRows {...loading} />}>{children}</Suspense>
        </ErrorBoundary>
      )}
    </QueryErrorResetBoundary>
  );
}
