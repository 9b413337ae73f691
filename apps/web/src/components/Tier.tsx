import { formatMoney } from '../format';
import type { TierBadge as Badge, TierProgress as Progress } from '../trpc';

/** A gem in the tier's colour: the emblem beside every tier name. */
export function TierEmblem({ colour, size = 14 }: { colour: string; size?: number }) {
  return (
    <svg className="tier-emblem" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M4 1.5h8l3.5 4.5L8 14.5.5 6z" fill={colour} />
      <path d="M.5 6h15M4 1.5 6 6l2 8.5L10 6l2-4.5" fill="none" stroke="rgba(0,0,0,0.35)" strokeWidth="0.8" />
    </svg>
  );
}

/** The player's VIP tier: emblem and name on a pill edged in the tier's colour. */
export function TierBadge({ tier, compact = false }: { tier: Badge; compact?: boolean }) {
  return (
    <span
      className={compact ? 'tier-badge tier-badge-compact' : 'tier-badge'}
      style={{ borderColor: tier.colour, background: `${tier.colour}1f` }}
      data-tier={tier.name}
      title={`VIP tier: ${tier.name}`}
    >
      <TierEmblem colour={tier.colour} size={compact ? 11 : 13} />
      <span className="tier-name">
        <span className="sr-only">VIP tier </span>
        {tier.name}
      </span>
    </span>
  );
}

/** The way to the next tier: a bar and the amount left ("$12,500.00 to Gold"). */
export function TierProgressBar({ tier, progress }: { tier: Badge; progress: Progress }) {
  const percent = Math.round(Math.min(1, Math.max(0, progress.progress)) * 100);
  const next = progress.next;
  const label = next ? `Progress from ${tier.name} to ${next.name}` : `${tier.name}: the top tier`;
  return (
    <div className="tier-progress" data-testid="tier-progress">
      <div className="tier-progress-head">
        <TierBadge tier={tier} />
        {next ? (
          <span className="tier-progress-left">
            <strong>{formatMoney(progress.remaining ?? '0')}</strong> to{' '}
            <span className="tier-next">
              <TierEmblem colour={next.colour} size={11} />
              {next.name}
            </span>
          </span>
        ) : (
          <span className="tier-progress-left">Top tier reached</span>
        )}
      </div>
      <div
        className="tier-bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={next ? `${percent}%, ${formatMoney(progress.remaining ?? '0')} left` : 'Top tier'}
      >
        <span
          className="tier-bar-fill"
          style={{
            width: `${percent}%`,
            background: `linear-gradient(90deg, ${tier.colour}, ${next?.colour ?? tier.colour})`,
          }}
        />
      </div>
      {next ? (
        <p className="muted small tier-progress-foot">
          {percent}% of the way from {tier.name} to {next.name} ({formatMoney(next.threshold)} all-time wagered)
        </p>
      ) : null}
    </div>
  );
}
