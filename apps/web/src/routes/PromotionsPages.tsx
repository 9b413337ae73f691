import { Link } from 'react-router';
import { QueryBoundary } from '../components/QueryBoundary';
import { Empty } from '../components/States';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useMe } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';

/** Where a visitor acts on an offer: their profile's form, or signing in first (and back there). */
function ActLink({ anchor, children }: { anchor: string; children: string }) {
  const me = useMe().data;
  if (me) {
    return (
      <Link className="btn btn-primary btn-small" to={`/profile#${anchor}`}>
        {children}
      </Link>
    );
  }
  return (
    <Link className="btn btn-small" to={`/signin?next=${encodeURIComponent('/profile')}`}>
      Sign in to {children.toLowerCase()}
    </Link>
  );
}

/** Challenges open now and coming up, for everyone; entering one needs an account. */
export function ChallengesPage() {
  useTitle('Challenges');
  return (
    <section className="card" aria-labelledby="challenges-page-title">
      <div className="card-head">
        <h1 id="challenges-page-title">Challenges</h1>
        <span className="muted small">Hit the multiplier, send the bet, win the prize</span>
      </div>
      <QueryBoundary what="challenges" loading={{ rows: 3, label: 'Loading challenges' }}>
        <OpenChallenges />
      </QueryBoundary>
    </section>
  );
}

/** Open and upcoming challenges; closed ones stay out of sight. */
function OpenChallenges() {
  const [list] = trpc.challenges.list.useSuspenseQuery({ limit: 50 }, { refetchInterval: 60_000 });
  const shown = list.challenges.filter((c) => c.state === 'open' || c.state === 'upcoming');
  if (shown.length === 0) return <Empty>No challenge is open right now. Check back soon.</Empty>;
  return (
    <ul className="offer-grid">
      {shown.map((c) => (
        <li key={c.id} className="offer" data-challenge={c.title}>
          <div className="offer-head">
            <h2 className="offer-title">{c.title}</h2>
            <span className={`badge badge-${c.state === 'open' ? 'live' : 'upcoming'}`}>{c.state}</span>
          </div>
          <p className="offer-prize">{formatMoney(c.prize)}</p>
          <dl className="offer-facts">
            <div>
              <dt>Game</dt>
              <dd>{c.game}</dd>
            </div>
            <div>
              <dt>Multiplier</dt>
              <dd>≥ {c.minMultiplier}×</dd>
            </div>
            <div>
              <dt>Minimum bet</dt>
              <dd>{formatMoney(c.minBet)}</dd>
            </div>
            <div>
              <dt>Winners</dt>
              <dd>
                {c.winners} of {c.maxWinners}
              </dd>
            </div>
          </dl>
          <p className="muted small">
            {c.state === 'upcoming' ? `Opens ${formatDateTime(c.startsAt)}` : `Until ${formatDateTime(c.endsAt)}`}
          </p>
          {c.state === 'open' ? <ActLink anchor="challenges-title">Enter</ActLink> : null}
        </li>
      ))}
    </ul>
  );
}

/** Bonus codes that can be claimed now; claiming one needs an account. */
export function BonusCodesPage() {
  useTitle('Bonus codes');
  return (
    <section className="card" aria-labelledby="bonus-page-title">
      <div className="card-head">
        <h1 id="bonus-page-title">Bonus codes</h1>
        <span className="muted small">Claim them from your profile</span>
      </div>
      <QueryBoundary what="bonus codes" loading={{ rows: 3, label: 'Loading bonus codes' }}>
        <ActiveCodes />
      </QueryBoundary>
    </section>
  );
}

function ActiveCodes() {
  const [codes] = trpc.bonus.active.useSuspenseQuery(undefined, { refetchInterval: 60_000 });
  if (codes.length === 0) return <Empty>No bonus code is available right now. Check back soon.</Empty>;
  return (
    <ul className="offer-grid">
      {codes.map((code) => (
        <li key={code.code} className="offer" data-code={code.code}>
          <div className="offer-head">
            <code className="offer-code">{code.code}</code>
            <span className="muted small">{code.remaining.toLocaleString('en-US')} left</span>
          </div>
          <p>{code.description || 'A bonus from the casino.'}</p>
          <p className="muted small">
            {code.minMonthlyWager ? `For players with ${formatMoney(code.minMonthlyWager)} wagered this month. ` : ''}
            {code.expiresAt ? `Until ${formatDate(code.expiresAt)}.` : 'No end date.'}
          </p>
          <ActLink anchor="bonus-title">Claim</ActLink>
        </li>
      ))}
    </ul>
  );
}
