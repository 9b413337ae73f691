import { type FormEvent, useState } from 'react';
import { FormError, TextField } from '../../components/Field';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { errorFor, fieldErrors, formError, fromLocalInput, toLocalInput } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

type Challenge = RouterOutputs['challenges']['list']['challenges'][number];

const DAY = 86_400_000;
const FIELDS = [
  'title',
  'game',
  'minMultiplier',
  'minBet',
  'prize',
  'maxWinners',
  'maxEntriesPerUser',
  'startsAt',
  'endsAt',
] as const;

export function ChallengesAdmin() {
  const challenges = trpc.challenges.list.useQuery({ limit: 50 });
  const [reviewing, setReviewing] = useState<number | null>(null);
  return (
    <div className="stack">
      <CreateChallenge />
      <section className="card" aria-labelledby="challenges-admin-title">
        <h1 id="challenges-admin-title">Challenges</h1>
        {challenges.isPending ? (
          <SkeletonRows rows={3} label="Loading challenges" />
        ) : challenges.isError ? (
          <QueryError error={challenges.error} what="challenges" retry={() => void challenges.refetch()} />
        ) : challenges.data.challenges.length === 0 ? (
          <Empty>No challenges yet.</Empty>
        ) : (
          <ul className="races races-admin">
            {challenges.data.challenges.map((challenge) => (
              <ChallengeRow
                key={challenge.id}
                challenge={challenge}
                open={reviewing === challenge.id}
                onToggle={() => setReviewing(reviewing === challenge.id ? null : challenge.id)}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function ChallengeRow({ challenge, open, onToggle }: { challenge: Challenge; open: boolean; onToggle: () => void }) {
  const utils = trpc.useUtils();
  const close = trpc.challenges.close.useMutation({ onSuccess: () => void utils.challenges.invalidate() });
  const [editing, setEditing] = useState(false);
  return (
    <li className="race">
      <div className="race-top">
        <span className="race-name">{challenge.title}</span>
        <span className={`badge badge-challenge-${challenge.state}`}>{challenge.state}</span>
      </div>
      <div className="race-meta muted small">
        <span>
          {challenge.game} · ≥{challenge.minMultiplier}× · bet ≥{formatMoney(challenge.minBet)} · prize{' '}
          {formatMoney(challenge.prize)} · {challenge.winners}/{challenge.maxWinners} winners
        </span>
        <span>
          {formatDateTime(challenge.startsAt)} – {formatDateTime(challenge.endsAt)}
        </span>
      </div>
      <div className="actions">
        <button type="button" className="btn btn-small" aria-expanded={open} onClick={onToggle}>
          {open ? 'Hide entries' : 'Entries'}
        </button>
        {challenge.state !== 'closed' ? (
          <button type="button" className="btn btn-small" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit
          </button>
        ) : null}
        <a className="btn btn-small" href={exportHref('challenge-entries', { challengeId: challenge.id })} download>
          Export entries
        </a>
        {challenge.state !== 'closed' ? (
          <button
            type="button"
            className="btn btn-small"
            disabled={close.isPending}
            onClick={() => close.mutate({ id: challenge.id })}
          >
            Close
          </button>
        ) : null}
      </div>
      <FormError message={close.error?.message} />
      {editing ? <ChallengeForm challenge={challenge} onDone={() => setEditing(false)} /> : null}
      {open ? <Entries challengeId={challenge.id} /> : null}
    </li>
  );
}

function Entries({ challengeId }: { challengeId: number }) {
  const utils = trpc.useUtils();
  const entries = trpc.challenges.entries.useQuery({ challengeId, limit: 100 });
  const review = trpc.challenges.review.useMutation({ onSuccess: () => void utils.challenges.invalidate() });
  if (entries.isPending) return <SkeletonRows rows={2} />;
  if (entries.isError) return <QueryError error={entries.error} what="entries" />;
  if (entries.data.entries.length === 0) return <Empty>No entries yet.</Empty>;
  return (
    <div className="table-wrap">
      <FormError message={review.error?.message} />
      <table className="table table-admin">
        <thead>
          <tr>
            <th scope="col">Player</th>
            <th scope="col">Bet</th>
            <th scope="col">Multiplier</th>
            <th scope="col">Status</th>
            <th scope="col">Review</th>
          </tr>
        </thead>
        <tbody>
          {entries.data.entries.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.username}</td>
              <td className="small">
                {formatMoney(entry.betAmount)} <span className="muted">{entry.betReference}</span>
                {entry.disputed ? (
                  <span className="badge badge-rejected" title="Another user entered the same bet: check who placed it">
                    {' '}
                    disputed
                  </span>
                ) : null}
              </td>
              <td>{entry.multiplier}×</td>
              <td>
                <span className={`badge badge-${entry.status}`}>{entry.status}</span>
              </td>
              <td>
                {entry.status === 'pending' ? (
                  <div className="actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={review.isPending}
                      onClick={() => review.mutate({ entryId: entry.id, decision: 'approve' })}
                    >
                      Approve
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={review.isPending}
                      onClick={() => review.mutate({ entryId: entry.id, decision: 'reject' })}
                    >
                      Reject
                    </button>
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateChallenge() {
  const utils = trpc.useUtils();
  const blank = () => ({
    title: '',
    game: '',
    minMultiplier: '100',
    minBet: '1.00',
    prize: '50.00',
    maxWinners: '1',
    maxEntriesPerUser: '1',
    startsAt: toLocalInput(new Date()),
    endsAt: toLocalInput(new Date(Date.now() + 7 * DAY)),
  });
  const [draft, setDraft] = useState(blank);
  const create = trpc.challenges.create.useMutation({
    onSuccess: () => {
      setDraft(blank());
      void utils.challenges.invalidate();
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      ...draft,
      maxWinners: Number(draft.maxWinners),
      maxEntriesPerUser: Number(draft.maxEntriesPerUser),
      startsAt: fromLocalInput(draft.startsAt),
      endsAt: fromLocalInput(draft.endsAt),
    });
  };
  const input = (field: keyof ReturnType<typeof blank>, label: string, type = 'text') => (
    <TextField
      name={field}
      label={label}
      type={type}
      value={draft[field]}
      error={errorFor(errors, field)}
      onChange={(value) => setDraft({ ...draft, [field]: value })}
    />
  );
  return (
    <section className="card" aria-labelledby="new-challenge-title">
      <h2 id="new-challenge-title">New challenge</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(create.error, FIELDS)} />
        <div className="row">
          {input('title', 'Title')}
          {input('game', 'Game')}
        </div>
        <div className="row">
          {input('minMultiplier', 'Min multiplier')}
          {input('minBet', 'Min bet')}
          {input('prize', 'Prize')}
          {input('maxWinners', 'Winners', 'number')}
          {input('maxEntriesPerUser', 'Entries per user', 'number')}
        </div>
        <div className="row">
          {input('startsAt', 'Starts', 'datetime-local')}
          {input('endsAt', 'Ends', 'datetime-local')}
        </div>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Create challenge
        </button>
      </form>
    </section>
  );
}

/** Edits an open challenge: every field, the same rules as creating one. */
function ChallengeForm({ challenge, onDone }: { challenge: Challenge; onDone: () => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState({
    title: challenge.title,
    game: challenge.game,
    minMultiplier: challenge.minMultiplier,
    minBet: challenge.minBet,
    prize: challenge.prize,
    maxWinners: String(challenge.maxWinners),
    startsAt: toLocalInput(challenge.startsAt),
    endsAt: toLocalInput(challenge.endsAt),
  });
  const update = trpc.challenges.update.useMutation({
    onSuccess: () => {
      void utils.challenges.invalidate();
      onDone();
    },
  });
  const errors = fieldErrors(update.error);
  const input = (field: keyof typeof draft, label: string, type = 'text') => (
    <TextField
      name={field}
      label={label}
      type={type}
      value={draft[field]}
      error={errorFor(errors, field)}
      onChange={(value) => setDraft({ ...draft, [field]: value })}
    />
  );
  return (
    <form
      className="form panel"
      noValidate
      aria-label={`Edit ${challenge.title}`}
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        update.mutate({
          id: challenge.id,
          ...draft,
          maxWinners: Number(draft.maxWinners),
          startsAt: fromLocalInput(draft.startsAt),
          endsAt: fromLocalInput(draft.endsAt),
        });
      }}
    >
      <FormError message={formError(update.error, FIELDS)} />
      <div className="row">
        {input('title', 'Title')}
        {input('game', 'Game')}
      </div>
      <div className="row">
        {input('minMultiplier', 'Min multiplier')}
        {input('minBet', 'Min bet')}
        {input('prize', 'Prize')}
        {input('maxWinners', 'Winners', 'number')}
      </div>
      <div className="row">
        {input('startsAt', 'Starts', 'datetime-local')}
        {input('endsAt', 'Ends', 'datetime-local')}
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={update.isPending}>
          Save changes
        </button>
        <button type="button" className="btn btn-small" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
