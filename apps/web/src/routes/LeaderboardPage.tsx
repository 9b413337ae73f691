import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { LeaderboardTable } from '../components/LeaderboardTable';
import { Empty, QueryError, SkeletonRows } from '../components/States';
import { Tabs } from '../components/Tabs';
import { SearchBox } from '../components/Toolbar';
import { formatTime } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { useMe } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { type Period, trpc } from '../trpc';

const PAGE_SIZE = 25;

export const periodTabs = [
  { period: 'today', label: 'Today' },
  { period: 'week', label: 'Week' },
  { period: 'month', label: 'Month' },
  { period: 'all', label: 'All time' },
] as const satisfies readonly { period: Period; label: string }[];
const periodOptions = periodTabs.map((tab) => ({ value: tab.period, label: tab.label }));

function parsePeriod(value: string | null): Period {
  return periodTabs.find((tab) => tab.period === value)?.period ?? 'month';
}

/**
 * The live board. Period, search and page live in the URL so a view can be shared. The first
 * page of the unfiltered board is kept live by `leaderboard.onUpdate`; other pages and search
 * results are plain queries refreshed now and then.
 */
export function LeaderboardPage({ prizeByUid = null }: { prizeByUid?: ReadonlyMap<string, string> | null }) {
  useTitle('Leaderboard');
  const [params, setParams] = useSearchParams();
  const period = parsePeriod(params.get('period'));
  const cursor = params.get('after');
  const searchText = params.get('q') ?? '';
  const search = useDebounced(searchText.trim(), 300);
  // Cursors of the pages before this one, for "Previous".
  const [history, setHistory] = useState<string[]>([]);

  const update = (next: { period?: Period; q?: string; after?: string | null }) => {
    const merged = new URLSearchParams(params);
    if (next.period) merged.set('period', next.period);
    if (next.q !== undefined) {
      if (next.q) merged.set('q', next.q);
      else merged.delete('q');
    }
    if (next.after) merged.set('after', next.after);
    else merged.delete('after');
    // Typing replaces the history entry; tabs and pages add one (Back works).
    setParams(merged, { replace: next.q !== undefined });
  };

  const effectiveSearch = search.length > 0 ? search : undefined;

  const input = { period, limit: PAGE_SIZE, cursor, search: effectiveSearch };
  const isLiveView = !cursor && !effectiveSearch;
  const utils = trpc.useUtils();
  const top = trpc.leaderboard.top.useQuery(input, {
    refetchInterval: isLiveView ? false : 15_000,
    placeholderData: (previous) => previous,
  });

  // The signed-in user's own place, for the highlighted or pinned "You" row.
  const youUid = useMe().data?.playerUid ?? null;
  const position = trpc.leaderboard.position.useQuery(
    { period, uid: youUid ?? '', neighbours: 0 },
    { enabled: youUid !== null, refetchInterval: 15_000 },
  );

  trpc.leaderboard.onUpdate.useSubscription(
    { period, limit: PAGE_SIZE },
    {
      enabled: isLiveView,
      onData: (event) => {
        utils.leaderboard.top.setData(input, event.data);
        if (youUid) void utils.leaderboard.position.invalidate({ period, uid: youUid });
      },
    },
  );
  const pinned = position.data ? { ...position.data.player } : null;

  const selectPeriod = (next: Period) => {
    setHistory([]);
    update({ period: next, after: null });
  };

  return (
    <section className="card" aria-labelledby="leaderboard-title">
      <div className="card-head">
        <h1 id="leaderboard-title">Leaderboard</h1>
        {top.data ? (
          <span className="muted small">
            {isLiveView ? 'Live · ' : ''}Updated {formatTime(top.data.generatedAt)}
          </span>
        ) : null}
      </div>
      <div className="toolbar">
        <Tabs legend="Period" options={periodOptions} value={period} onChange={selectPeriod} />
        <SearchBox
          label="Search players by name"
          placeholder="Search players…"
          value={searchText}
          onChange={(q) => {
            setHistory([]);
            update({ q, after: null });
          }}
        />
      </div>
      {top.isPending ? (
        <SkeletonRows rows={10} label="Loading leaderboard" />
      ) : top.isError ? (
        <QueryError error={top.error} what="the leaderboard" retry={() => void top.refetch()} />
      ) : top.data.entries.length === 0 ? (
        <Empty>
          {effectiveSearch ? `No player named “${effectiveSearch}…”.` : 'Nobody has wagered in this period yet.'}
        </Empty>
      ) : (
        <LeaderboardTable
          entries={top.data.entries}
          youUid={youUid}
          pinned={effectiveSearch ? null : pinned}
          prizeByUid={prizeByUid}
          // The previous view shown while the next loads is not "this board changing".
          boardKey={top.isPlaceholderData ? 'placeholder' : `${period}:${cursor ?? ''}:${effectiveSearch ?? ''}`}
        />
      )}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="btn"
          disabled={!cursor}
          onClick={() => {
            const previous = history.at(-1) ?? null;
            setHistory(history.slice(0, -1));
            update({ after: previous });
          }}
        >
          ← Previous
        </button>
        <button
          type="button"
          className="btn"
          disabled={!top.data?.nextCursor}
          onClick={() => {
            if (!top.data?.nextCursor) return;
            setHistory([...history, cursor ?? '']);
            update({ after: top.data.nextCursor });
          }}
        >
          Next →
        </button>
      </nav>
    </section>
  );
}
