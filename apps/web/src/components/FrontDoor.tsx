import { useState } from 'react';
import { Link } from 'react-router';
import { useSiteInfo } from '../hooks/useSiteInfo';

/**
 * "Play with code …": the affiliate's referral code with the sign-up link. Nothing when the
 * server has no code configured.
 */
export function PlayWithCode({ variant = 'banner' }: { variant?: 'banner' | 'inline' }) {
  const site = useSiteInfo().data;
  const [copied, setCopied] = useState(false);
  if (!site?.referralCode) return null;
  const code = site.referralCode;
  const copy = () => {
    void navigator.clipboard?.writeText(code).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <section className={`cta cta-${variant}`} aria-label="Join with our code" data-testid="play-with-code">
      <div className="cta-text">
        <p className="cta-title">
          Play with code <code className="cta-code">{code}</code>
        </p>
        <p className="cta-sub">Sign up with it, wager, climb the board and the VIP tiers, win races.</p>
      </div>
      <div className="cta-actions">
        {site.signUpUrl ? (
          <a className="btn btn-primary btn-cta" href={site.signUpUrl} target="_blank" rel="noopener noreferrer">
            Sign up with code {code}
            <span className="sr-only"> (opens the casino in a new tab)</span>
          </a>
        ) : null}
        <button type="button" className="btn" onClick={copy} aria-live="polite">
          {copied ? 'Copied' : 'Copy code'}
        </button>
        {variant === 'banner' ? (
          <Link to="/how-it-works" className="cta-link">
            How it works
          </Link>
        ) : null}
      </div>
    </section>
  );
}

/** Terms, 18+ and responsible gambling on every page. */
export function Footer() {
  const site = useSiteInfo().data;
  return (
    <footer className="footer">
      <nav aria-label="Site" className="footer-links">
        <Link to="/how-it-works">How it works</Link>
        <Link to="/vip">VIP tiers</Link>
        <Link to="/races">Races</Link>
        <Link to="/challenges">Challenges</Link>
        <Link to="/bonus-codes">Bonus codes</Link>
        {site?.termsUrl ? (
          <a href={site.termsUrl} target="_blank" rel="noopener noreferrer">
            Terms
          </a>
        ) : null}
        <a
          href={site?.responsibleGamblingUrl ?? 'https://www.begambleaware.org/'}
          target="_blank"
          rel="noopener noreferrer"
        >
          Responsible gambling
        </a>
      </nav>
      <p className="footer-note">
        {(site?.adultsOnly ?? true) ? (
          <span className="age-badge" title="Adults only">
            18+
          </span>
        ) : null}
        Gambling can be addictive: play for fun, set limits, and stop when it stops being fun. Figures are the casino's,
        refreshed every few minutes.
      </p>
    </footer>
  );
}
