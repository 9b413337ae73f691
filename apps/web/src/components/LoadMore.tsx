/** The part of an infinite query this button needs. */
interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** "Load more" under a paged list, shown while the server has more. */
export function LoadMore({ query, small = false, busyText }: { query: Pages; small?: boolean; busyText?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <button
      type="button"
      className={small ? 'btn btn-small' : 'btn'}
      disabled={query.isFetchingNextPage}
      onClick={() => void query.fetchNextPage()}
    >
      {query.isFetchingNextPage && busyText ? busyText : 'Load more'}
    </button>
  );
}
