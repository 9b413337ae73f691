import { Link } from 'react-router';
import { formatMoney } from '../format';
import { type Race, type RaceStandings, trpc } from '../trpc';
import { Countdown } from './Countdown';
import { Podium, podiumOf } from './Podium';

/** Standings enough for the podium and every paid rank (for the board's prize column). */
export function heroStandingsInput(race: Race) {
  return { raceId: race.id, limit: Math.min(100, Math.max(3, race.prizes.length)) };
}

/** The live race's standings, kept live: shared by the hero's podium and the board's prize column. */
export function useLiveRaceStandings(race: Race | null): RaceStandings | undefined {
  const utils = trpc.useUtils();
  const input = race ? heroStandingsInput(race) : { raceId: 0, limit: 3 };
  const standings = trpc.races.standings.useQuery(input, { enabled: race !== null });
  trpc.races.onUpdate.useSubscription(input, {
    enabled: race !== null,
    onData: (event) => utils.races.standings.setData(input, event.data),
  });
  return race ? standings.data : undefined;
}

/** The front page's headline: the race running now, its countdown, pool and podium with prizes. */
export function LiveRaceHero({ race, standings }: { race: Race; standings: RaceStandings | undefined }) {
  const places = podiumOf(race, standings);
  return (
    <section className="card hero" aria-labelledby="hero-title" data-race={race.id}>
      <div className="hero-top">
        <div className="hero-heading">
          <p className="hero-kicker">
            <span className="live-dot" aria-hidden="true" /> Live race
          </p>
          <h2 id="hero-title" className="hero-title">
            <Link to={`/races/${race.id}`}>{race.name}</Link>
          </h2>
        </div>
        <dl className="hero-facts">
          <div>
            <dt>Prize pool</dt>
            <dd className="hero-pool">{formatMoney(race.prizePool)}</dd>
          </div>
          <div>
            <dt>Ends</dt>
            <dd>
              <Countdown to={race.endsAt} label="in" />
            </dd>
          </div>
        </dl>
      </div>
      <Podium places={places} label="Top three now" />
      <p className="hero-more">
        <Link to={`/races/${race.id}`}>Full standings and prizes →</Link>
      </p>
    </section>
  );
}
