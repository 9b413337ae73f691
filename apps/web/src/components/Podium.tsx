import { Link } from 'react-router';
import { formatMoney } from '../format';
import { isZero } from '../money';
import type { TierBadge as Badge, Race, RaceStandings } from '../trpc';
import { PlayerName } from './PlayerName';
import { TierBadge } from './Tier';

export interface PodiumPlace {
  rank: number;
  /** null: nobody holds this place yet. */
  player: { uid: string; name: string; wagered: string } | null;
  prize: string;
  /** The holder's VIP tier, shown under the name. */
  tier?: Badge | undefined;
}

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
          <Medal rank={place.rank} />
          <span className="sr-only">{placeName[place.rank]}: </span>
          {place.player ? (
            <>
              <Link className="step-name" to={`/players/${encodeURIComponent(place.player.uid)}`}>
                <PlayerName name={place.player.name} />
              </Link>
              {place.tier ? <TierBadge tier={place.tier} compact /> : null}
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

/** The top three places of a race's standings (an open place while nobody holds it). */
export function podiumOf(race: Race, standings: RaceStandings | undefined): PodiumPlace[] {
  const byRank = new Map((standings?.standings ?? []).map((s) => [s.rank, s]));
  return [1, 2, 3].map((rank) => {
    const standing = byRank.get(rank);
    return {
      rank,
      player: standing ? { uid: standing.uid, name: standing.name, wagered: standing.wagered } : null,
      tier: standing?.tier,
      prize: standing?.prize ?? race.prizes[rank - 1]?.prize ?? '0.00',
    };
  });
}

/** A medal in the place's colour with its number: drawn, so it looks the same without an emoji font. */
export function Medal({ rank }: { rank: number }) {
  return (
    <span className={`medal medal-${rank}`} aria-hidden="true">
      {rank}
    </span>
  );
}
