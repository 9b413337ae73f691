import { Link } from 'react-router';
import { PlayWithCode } from '../components/FrontDoor';
import { QueryBoundary } from '../components/QueryBoundary';
import { Empty } from '../components/States';
import { TierEmblem, TierProgressBar } from '../components/Tier';
import { formatMoney } from '../format';
import { useMe } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';

/** The public VIP ladder, lowest tier first, and the visitor's own place on it when linked. */
export function VipPage() {
  useTitle('VIP tiers');
  const playerUid = useMe().data?.playerUid ?? null;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="vip-title">
        <div className="card-head">
          <h1 id="vip-title">VIP tiers</h1>
          <span className="muted small">By all-time wager</span>
        </div>
        <p className="muted">
          Every dollar you wager counts toward your tier, for good: tiers never reset. Your tier shows beside your name
          on the leaderboard and in races.
        </p>
        {playerUid ? <YourTier uid={playerUid} /> : null}
        <QueryBoundary what="the VIP ladder" loading={{ rows: 9, label: 'Loading the VIP ladder' }}>
          <Ladder />
        </QueryBoundary>
        {playerUid ? null : (
          <p className="small how-links">
            <Link to="/signup">Create an account</Link> and claim your player to follow your progress.
          </p>
        )}
      </section>
      <PlayWithCode variant="inline" />
    </div>
  );
}

function Ladder() {
  const [tiers] = trpc.vip.tiers.useSuspenseQuery(undefined, { staleTime: 60_000 });
  if (tiers.length === 0) return <Empty>No tiers are set up.</Empty>;
  return (
    <ol className="ladder" aria-label="Tiers, lowest first">
      {tiers.map((tier) => (
        <li
          key={tier.rank}
          className="ladder-step"
          data-tier={tier.name}
          style={{
            borderLeftColor: tier.colour,
            background: `linear-gradient(90deg, ${tier.colour}26, transparent 70%)`,
          }}
        >
          <TierEmblem colour={tier.colour} size={28} />
          <span className="ladder-name">{tier.name}</span>
          <span className="ladder-threshold">
            {tier.threshold === '0.00' ? 'Everyone starts here' : `from ${formatMoney(tier.threshold)}`}
          </span>
        </li>
      ))}
    </ol>
  );
}

function YourTier({ uid }: { uid: string }) {
  const player = trpc.players.get.useQuery({ uid });
  if (!player.data) return null;
  return (
    <div className="your-tier">
      <h2 className="subhead">Your tier</h2>
      <TierProgressBar tier={player.data.tier} progress={player.data.tierProgress} />
    </div>
  );
}
