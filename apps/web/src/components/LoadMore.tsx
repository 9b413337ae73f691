/** The part of an infinite query this button needs. */
interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

interface LoadMoreProps {
  query: Pages;
  small?: boolean;
  label?: string;
  /** Said while the next page loads (the button is disabled either way). */
  busyText?: string;
}

/** "Load more" under a paged list, shown while the server has more. */
export function LoadMore({ query, small = false, label = 'Load more', busyText }: LoadMoreProps) {
  if (!query.hasNextPage) return null;
  return (
    <button
      type="button"
      className={small ? 'btn btn-small' : 'btn'}
      disabled={query.isFetchingNextPage}
      onClick={() => void query.fetchNextPage()}
    >
      {query.isFetchingNextPage && busyText ? busyText : label}
    </button>
  );
}
