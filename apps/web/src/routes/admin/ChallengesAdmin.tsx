import { type FormEvent, type ReactNode, useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { ActionButton, draftFields, FormActions, FormError, SubmitButton } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Empty } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { fieldErrors, formError, fromLocalInput, toLocalInput } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

type Challenge = RouterOutputs['challenges']['list']['challenges'][number];
type Entry = RouterOutputs['challenges']['entries']['entries'][number];

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
  return (
    <div className="stack">
      <CreateChallenge />
      <section className="card" aria-labelledby="challenges-admin-title">
        <h1 id="challenges-admin-title">Challenges</h1>
        <QueryBoundary what="challenges" loading={{ rows: 3, label: 'Loading challenges' }}>
          <ChallengeList />
        </QueryBoundary>
      </section>
    </div>
  );
}

function ChallengeList() {
  const [{ challenges }] = trpc.challenges.list.useSuspenseQuery({ limit: 50 });
  const [reviewing, setReviewing] = useState<number | null>(null);
  if (challenges.length === 0) return <Empty>No challenges yet.</Empty>;
  return (
    <ul className="races races-admin">
      {challenges.map((challenge) => (
        <ChallengeRow
          key={challenge.id}
          challenge={challenge}
          open={reviewing === challenge.id}
          onToggle={() => setReviewing(reviewing === challenge.id ? null : challenge.id)}
        />
      ))}
    </ul>
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
          <ActionButton pending={close.isPending} onClick={() => close.mutate({ id: challenge.id })}>
            Close
          </ActionButton>
        ) : null}
      </div>
      <FormError message={close.error?.message} />
      {editing ? <ChallengeForm challenge={challenge} onDone={() => setEditing(false)} /> : null}
      {open ? (
        <QueryBoundary what="entries" retry={false} loading={{ rows: 2 }}>
          <Entries challengeId={challenge.id} />
        </QueryBoundary>
      ) : null}
    </li>
  );
}

function Entries({ challengeId }: { challengeId: number }) {
  const utils = trpc.useUtils();
  const [{ entries }] = trpc.challenges.entries.useSuspenseQuery({ challengeId, limit: 100 });
  const review = trpc.challenges.review.useMutation({ onSuccess: () => void utils.challenges.invalidate() });
  const columns: Column<Entry>[] = [
    { key: 'player', header: 'Player', cell: (entry) => entry.username },
    {
      key: 'bet',
      header: 'Bet',
      cellClassName: 'small',
      cell: (entry) => (
        <>
          {formatMoney(entry.betAmount)} <span className="muted">{entry.betReference}</span>
          {entry.disputed ? (
            <span className="badge badge-rejected" title="Another user entered the same bet: check who placed it">
              {' '}
              disputed
            </span>
          ) : null}
        </>
      ),
    },
    { key: 'multiplier', header: 'Multiplier', cell: (entry) => `${entry.multiplier}×` },
    {
      key: 'status',
      header: 'Status',
      cell: (entry) => <span className={`badge badge-${entry.status}`}>{entry.status}</span>,
    },
    {
      key: 'review',
      header: 'Review',
      cell: (entry) =>
        entry.status === 'pending' ? (
          <div className="actions">
            {(['approve', 'reject'] as const).map((decision) => (
              <button
                key={decision}
                type="button"
                className="btn btn-small"
                disabled={review.isPending}
                onClick={() => review.mutate({ entryId: entry.id, decision })}
              >
                {decision === 'approve' ? 'Approve' : 'Reject'}
              </button>
            ))}
          </div>
        ) : null,
    },
  ];
  return (
    <>
      <FormError message={review.error?.message} />
      <DataTable rows={entries} columns={columns} rowKey={(entry) => entry.id} empty="No entries yet." />
    </>
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
  const input = draftFields(draft, setDraft, errors);
  return (
    <section className="card" aria-labelledby="new-challenge-title">
      <h2 id="new-challenge-title">New challenge</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(create.error, FIELDS)} />
        <ChallengeFields input={input} extra={input('maxEntriesPerUser', 'Entries per user', { type: 'number' })} />
        <SubmitButton pending={create.isPending}>Create challenge</SubmitButton>
      </form>
    </section>
  );
}

/** What creating and editing a challenge share (creating also sets the entries per user). */
interface EditDraft {
  title: string;
  game: string;
  minMultiplier: string;
  minBet: string;
  prize: string;
  maxWinners: string;
  startsAt: string;
  endsAt: string;
}

/** Takes `draftFields` of either draft: both have every field named here. */
type ChallengeField = (name: keyof EditDraft, label: string, options?: { type: string }) => ReactNode;

function ChallengeFields({ input, extra = null }: { input: ChallengeField; extra?: ReactNode }) {
  return (
    <>
      <div className="row">
        {input('title', 'Title')}
        {input('game', 'Game')}
      </div>
      <div className="row">
        {input('minMultiplier', 'Min multiplier')}
        {input('minBet', 'Min bet')}
        {input('prize', 'Prize')}
        {input('maxWinners', 'Winners', { type: 'number' })}
        {extra}
      </div>
      <div className="row">
        {input('startsAt', 'Starts', { type: 'datetime-local' })}
        {input('endsAt', 'Ends', { type: 'datetime-local' })}
      </div>
    </>
  );
}

/** Edits an open challenge: every field, the same rules as creating one. */
function ChallengeForm({ challenge, onDone }: { challenge: Challenge; onDone: () => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState<EditDraft>({
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
  const input = draftFields(draft, setDraft, errors);
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
      <ChallengeFields input={input} />
      <FormActions pending={update.isPending} submitLabel={'Save changes'} onClose={onDone} small />
    </form>
  );
}
