import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatMoney } from '../format';
import { isZero } from '../money';

export interface PodiumPlace {
  rank: number;
  /** null: nobody holds this place yet. */
  player: { uid: string; name: string; wagered: string } | null;
  prize: string;
  /** Shown under the name (a tier badge). */
  badge?: ReactNode;
}

const medal = ['', '🥇', '🥈', '🥉'] as const;
const placeName = ['', '1st', '2nd', '3rd'] as const;

/**
 * The top three on steps, 2nd · 1st · 3rd, each with their wager and prize. The list is in rank
 * order for screen readers; the steps are arranged by CSS.
 */
export function Podium({ places, label }: { places: PodiumPlace[]; label: string }) {
  return (
    <ol className="podium-steps" aria-label={label}>
      {places.slice(0, 3).map((place) => (
        <li key={place.rank} className={`step step-${place.rank}`} data-rank={place.rank}>
          <span className="step-medal" aria-hidden="true">
            {medal[place.rank]}
          </span>
          <span className="sr-only">{placeName[place.rank]}: </span>
          {place.player ? (
            <>
              <Link className="step-name" to={`/players/${encodeURIComponent(place.player.uid)}`}>
                {place.player.name}
              </Link>
              {place.badge}
              <span className="step-wagered">{formatMoney(place.player.wagered)} wagered</span>
            </>
          ) : (
            <span className="step-name muted">Open</span>
          )}
          <span className="step-block">
            {isZero(place.prize) ? (
              <span className="step-prize muted">#{place.rank}</span>
            ) : (
              <span className="step-prize">
                <span className="sr-only">wins </span>
                {formatMoney(place.prize)}
              </span>
            )}
          </span>
        </li>
      ))}
    </ol>
  );
}
