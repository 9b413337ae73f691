import type { ReactNode } from 'react';
import type { ApiError } from '../trpc';

/** Grey placeholder rows while data loads, shaped like the table that will replace them. */
export function SkeletonRows({ rows = 5, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div className="skeleton-list" role="status" aria-live="polite" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div key={i} className="skeleton-row" />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty muted">{children}</p>;
}

export function QueryError({ error, retry, what }: { error: ApiError; retry?: () => void; what: string }) {
  return (
    <div className="error" role="alert">
      <p>
        Could not load {what}: {error.message}
      </p>
      {retry ? (
        <button type="button" className="btn" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
