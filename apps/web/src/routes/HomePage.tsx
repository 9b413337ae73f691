import { useMemo } from 'react';
import { PlayWithCode } from '../components/FrontDoor';
import { LiveRaceHero, useLiveRaceStandings } from '../components/LiveRaceHero';
import { MvpCards } from '../components/MvpCards';
import { isZero } from '../money';
import { trpc } from '../trpc';
import { LeaderboardPage } from './LeaderboardPage';
import { RacesPanel } from './RacesPage';

/**
 * The front page: the affiliate's code, the live race as the hero, the MVPs, then the board with
 * the races beside it (above it on a phone).
 */
export function HomePage() {
  const live = trpc.races.list.useQuery({ status: 'live', limit: 1 }, { refetchInterval: 30_000 });
  const race = live.data?.races[0] ?? null;
  const standings = useLiveRaceStandings(race);
  // What the live race pays each player now: the board's prize column.
  const prizeByUid = useMemo(() => {
    const paying = (standings?.standings ?? []).filter((s) => !isZero(s.prize));
    return new Map(paying.map((s) => [s.uid, s.prize]));
  }, [standings]);
  return (
    <div className="home stack">
      <PlayWithCode />
      {race ? <LiveRaceHero race={race} standings={standings} /> : null}
      <MvpCards />
      <div className="grid home-grid">
        <LeaderboardPage prizeByUid={race ? prizeByUid : null} />
        <div className="home-side">
          <RacesPanel />
        </div>
      </div>
    </div>
  );
}
