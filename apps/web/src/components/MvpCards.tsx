import { Link } from 'react-router';
import { formatMoney } from '../format';
import { type Mvps, trpc } from '../trpc';
import { PlayerName } from './PlayerName';
import { TierBadge } from './Tier';

const cards = [
  { period: 'today', label: 'MVP of the day' },
  { period: 'week', label: 'MVP of the week' },
  { period: 'month', label: 'MVP of the month' },
] as const satisfies readonly { period: keyof Omit<Mvps, 'generatedAt'>; label: string }[];

/** Today's, this week's and this month's #1, kept live by `leaderboard.onMvps`. */
export function MvpCards() {
  const utils = trpc.useUtils();
  const mvps = trpc.leaderboard.mvps.useQuery(undefined);
  trpc.leaderboard.onMvps.useSubscription(undefined, {
    onData: (event) => utils.leaderboard.mvps.setData(undefined, event.data),
  });
  return (
    <section className="mvp-row" aria-label="Most valuable players">
      {cards.map(({ period, label }) => {
        const mvp = mvps.data?.[period] ?? null;
        return (
          <article key={period} className={`mvp mvp-${period}`} data-mvp={period} aria-busy={mvps.isPending}>
            <h2 className="mvp-label">{label}</h2>
            {mvps.isPending ? (
              <p className="mvp-name muted">…</p>
            ) : mvp ? (
              <>
                <p className="mvp-name">
                  <Crown />
                  <Link to={`/players/${encodeURIComponent(mvp.uid)}`}>
                    <PlayerName name={mvp.name} />
                  </Link>
                </p>
                <p className="mvp-amount">{formatMoney(mvp.wagered)}</p>
                <TierBadge tier={mvp.tier} compact />
              </>
            ) : (
              <p className="mvp-name muted">Nobody yet</p>
            )}
          </article>
        );
      })}
    </section>
  );
}

function Crown() {
  return (
    <svg className="crown" width="18" height="14" viewBox="0 0 18 14" aria-hidden="true" focusable="false">
      <path d="M1 4l4 3.5L9 1l4 6.5L17 4l-1.6 9H2.6z" fill="#f5c542" stroke="#a97f12" strokeWidth="0.8" />
    </svg>
  );
}
