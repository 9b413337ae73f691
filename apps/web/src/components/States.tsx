import type { ReactNode } from 'react';
import { isNotFound } from '../queryClient';

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

/** A page whose subject does not exist: said plainly, not as a failure. */
export function NotFound({ children }: { children: ReactNode }) {
  return (
    <section className="card not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p className="muted">{children}</p>
    </section>
  );
}

/** A failed query with a way to try again; a NOT_FOUND answer reads as "not found", not as an error. */
export function QueryError({ error, retry, what }: { error: { message: string }; retry?: () => void; what: string }) {
  if (isNotFound(error)) return <Empty>{capitalise(what)} was not found.</Empty>;
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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What the last action did ("Race “Weekly” created…"), announced politely; nothing when null. */
export function DoneNote({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="small ok-text" role="status">
      {message}
    </p>
  );
}
