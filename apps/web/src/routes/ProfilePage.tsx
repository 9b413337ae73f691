import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ChangePasswordForm } from '../components/ChangePasswordForm';
import { draftFields, Field, FormError, SubmitButton } from '../components/Field';
import { NotificationPreferences } from '../components/NotificationPreferences';
import { QueryBoundary } from '../components/QueryBoundary';
import { Empty } from '../components/States';
import { TelegramLink } from '../components/TelegramLink';
import { formatDateTime, formatMoney } from '../format';
import { fieldErrors, formError } from '../forms';
import { useTitle } from '../hooks/useTitle';
import type { Me } from '../trpc';
import { trpc } from '../trpc';
import { ClaimCard } from './profile/ClaimCard';
import { StandingCard } from './profile/StandingCard';

export function ProfilePage({ me }: { me: Me }) {
  useTitle('Profile');
  return (
    <div className="stack">
      <section className="card" aria-labelledby="profile-title">
        <h1 id="profile-title">{me.username}</h1>
        <dl className="facts">
          <div>
            <dt>Role</dt>
            <dd>{me.role}</dd>
          </div>
          <div>
            <dt>Casino player</dt>
            <dd>
              {me.playerUid ? (
                <Link to={`/players/${encodeURIComponent(me.playerUid)}`}>{me.playerUid}</Link>
              ) : (
                <a href="#claim-title">not linked: claim it</a>
              )}
            </dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDateTime(me.createdAt)}</dd>
          </div>
        </dl>
      </section>
      {me.playerUid ? <StandingCard /> : <ClaimCard />}
      <TelegramLink me={me} />
      <NotificationPreferences />
      <section className="card" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <ChangePasswordForm />
      </section>
      <BonusClaims />
      <ChallengeEntries />
    </div>
  );
}

function BonusClaims() {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState({ code: '' });
  const claim = trpc.bonus.claim.useMutation({
    onSuccess: () => {
      setDraft({ code: '' });
      void utils.bonus.myClaims.invalidate();
    },
  });
  const field = draftFields(draft, setDraft, fieldErrors(claim.error));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    claim.mutate(draft);
  };
  return (
    <section className="card" aria-labelledby="bonus-title">
      <h2 id="bonus-title">Bonus codes</h2>
      <form className="form form-inline" onSubmit={submit} noValidate>
        {field('code', 'Code')}
        <SubmitButton pending={claim.isPending}>Claim</SubmitButton>
      </form>
      <FormError message={formError(claim.error, ['code'])} />
      {claim.data ? (
        <p className="success" role="status">
          Claimed {claim.data.code}
          {claim.data.description ? `: ${claim.data.description}` : ''}
        </p>
      ) : null}
      <QueryBoundary what="your claims" retry={false} loading={{ rows: 2 }}>
        <MyBonusClaims />
      </QueryBoundary>
    </section>
  );
}

function MyBonusClaims() {
  const [claims] = trpc.bonus.myClaims.useSuspenseQuery();
  if (claims.length === 0) return <Empty>You have not claimed any codes yet.</Empty>;
  return (
    <ul className="plain">
      {claims.map((c) => (
        <li key={`${c.code}-${c.claimedAt.getTime()}`}>
          <code>{c.code}</code> {c.description} <span className="muted small">{formatDateTime(c.claimedAt)}</span>
        </li>
      ))}
    </ul>
  );
}

function ChallengeEntries() {
  return (
    <section className="card" aria-labelledby="challenges-title">
      <h2 id="challenges-title">Challenges</h2>
      <QueryBoundary what="challenges" retry={false} loading={{ rows: 2 }}>
        <EntryForm />
      </QueryBoundary>
      <h3 className="subhead">My entries</h3>
      <QueryBoundary what="your entries" retry={false} loading={{ rows: 2 }}>
        <MyEntries />
      </QueryBoundary>
    </section>
  );
}

function MyEntries() {
  const [entries] = trpc.challenges.myEntries.useSuspenseQuery();
  if (entries.length === 0) return <Empty>No entries yet.</Empty>;
  return (
    <ul className="plain">
      {entries.map((entry) => (
        <li key={entry.id}>
          {entry.challengeTitle}: {entry.multiplier}× on {formatMoney(entry.betAmount)}{' '}
          <span className={`badge badge-${entry.status}`}>{entry.status}</span>
        </li>
      ))}
    </ul>
  );
}

const emptyEntry = { betReference: '', multiplier: '', betAmount: '' };

/** Enter an open challenge with a bet that met its multiplier. */
function EntryForm() {
  const utils = trpc.useUtils();
  const [open] = trpc.challenges.list.useSuspenseQuery({ status: 'open', limit: 20 });
  const [challengeId, setChallengeId] = useState<number | null>(null);
  const [draft, setDraft] = useState(emptyEntry);
  const submit = trpc.challenges.submit.useMutation({
    onSuccess: () => {
      setDraft(emptyEntry);
      void utils.challenges.myEntries.invalidate();
    },
  });
  const field = draftFields(draft, setDraft, fieldErrors(submit.error));
  const openChallenges = open.challenges.filter((c) => c.state === 'open');
  const selected = challengeId ?? openChallenges[0]?.id ?? null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (selected === null) return;
    submit.mutate({ challengeId: selected, ...draft });
  };

  if (openChallenges.length === 0) return <Empty>No challenge is open right now.</Empty>;
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <Field label="Challenge">
        {(props) => (
          <select
            {...props}
            className="input"
            value={selected ?? ''}
            onChange={(e) => setChallengeId(Number(e.target.value))}
          >
            {openChallenges.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title} — {c.game}, ≥{c.minMultiplier}×, bet ≥{formatMoney(c.minBet)}, prize {formatMoney(c.prize)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormError message={formError(submit.error, ['betReference', 'multiplier', 'betAmount'])} />
      {field('betReference', 'Bet id or link')}
      <div className="row">
        {field('multiplier', 'Multiplier', { inputMode: 'decimal' })}
        {field('betAmount', 'Bet amount', { inputMode: 'decimal' })}
      </div>
      <SubmitButton pending={submit.isPending}>Submit entry</SubmitButton>
    </form>
  );
}
