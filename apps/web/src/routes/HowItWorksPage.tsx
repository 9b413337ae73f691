import { Link } from 'react-router';
import { PlayWithCode } from '../components/FrontDoor';
import { useSiteInfo } from '../hooks/useSiteInfo';
import { useTitle } from '../hooks/useTitle';

export function HowItWorksPage() {
  useTitle('How it works');
  const site = useSiteInfo().data;
  const code = site?.referralCode ?? null;
  const steps = [
    {
      title: code ? `Sign up with code ${code}` : 'Sign up at the casino',
      body: code
        ? `Create your casino account with our referral code ${code}: that is how your wagers count here.`
        : 'Create your casino account through our link: that is how your wagers count here.',
    },
    {
      title: 'Wager',
      body: 'Play as you like. Every bet adds to your totals for today, this week, this month and all time; the board refreshes every few minutes.',
    },
    {
      title: 'Climb the board and the tiers',
      body: 'Your all-time wager lifts you through the VIP tiers, from Copper to Diamond. Claim your player here to follow your rank, tier and progress, and get told when you go up.',
    },
    {
      title: 'Win races',
      body: 'Wager races pay the top places from a prize pool. Watch the standings live, see how much more reaches the next prize, and collect when the race ends.',
    },
  ];
  return (
    <div className="stack">
      <section className="card" aria-labelledby="how-title">
        <h1 id="how-title">How it works</h1>
        <ol className="how-steps">
          {steps.map((step, i) => (
            <li key={step.title} className="how-step">
              <span className="how-number" aria-hidden="true">
                {i + 1}
              </span>
              <div>
                <h2>{step.title}</h2>
                <p className="muted">{step.body}</p>
              </div>
            </li>
          ))}
        </ol>
        <p className="how-links">
          <Link to="/vip">See the VIP ladder</Link> · <Link to="/races">See the races</Link> ·{' '}
          <Link to="/signup">Create an account here</Link> to claim your player, bonus codes and challenges.
        </p>
      </section>
      <PlayWithCode variant="inline" />
    </div>
  );
}
