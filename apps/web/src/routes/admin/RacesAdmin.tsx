import { type FormEvent, useState } from 'react';
import { EditorSlot } from '../../components/EditorSlot';
import { draftFields, Field, FormActions, FormError } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { PrizeFields, prizeList } from '../../components/SplitTotal';
import { Empty } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { errorFor, fieldErrors, formError, fromLocalInput, toLocalInput } from '../../forms';
import { useEditor } from '../../hooks/useEditor';
import { type Race, trpc } from '../../trpc';
import { RaceTop } from '../RacesPage';
import { exportHref } from './ExportLinks';
import { RaceTemplatesAdmin } from './RaceTemplatesAdmin';

const HOUR = 3_600_000;

interface Draft {
  name: string;
  description: string;
  startsAt: string;
  endsAt: string;
  prizePool: string;
  /** "500, 300, 200": prize for rank 1, 2, 3 … */
  prizes: string;
  minWager: string;
}

function emptyDraft(): Draft {
  const start = new Date(Math.ceil((Date.now() + HOUR) / HOUR) * HOUR);
  return {
    name: '',
    description: '',
    startsAt: toLocalInput(start),
    endsAt: toLocalInput(new Date(start.getTime() + 7 * 24 * HOUR)),
    prizePool: '1000.00',
    prizes: '500, 300, 200',
    minWager: '0',
  };
}

function draftOf(race: Race): Draft {
  return {
    name: race.name,
    description: race.description,
    startsAt: toLocalInput(race.startsAt),
    endsAt: toLocalInput(race.endsAt),
    prizePool: race.prizePool,
    prizes: race.prizes.map((p) => p.prize).join(', '),
    minWager: race.minWager,
  };
}

const FIELDS = ['name', 'description', 'startsAt', 'endsAt', 'prizePool', 'prizes', 'minWager'] as const;

export function RacesAdmin() {
  const editor = useEditor<Race>();

  return (
    <div className="stack">
      <section className="card" aria-labelledby="races-admin-title">
        <div className="card-head">
          <h1 id="races-admin-title">Races</h1>
          <button type="button" className="btn btn-primary" onClick={() => editor.edit('new')}>
            New race
          </button>
        </div>
        <EditorSlot editor={editor} form={(race, onDone) => <RaceForm race={race} onDone={onDone} />} />
        <QueryBoundary what="races" loading={{ rows: 4, label: 'Loading races' }}>
          <RaceList onEdit={editor.edit} />
        </QueryBoundary>
      </section>
      <RaceTemplatesAdmin />
    </div>
  );
}

function RaceList({ onEdit }: { onEdit: (race: Race) => void }) {
  const [{ races }] = trpc.races.list.useSuspenseQuery({ limit: 100 });
  if (races.length === 0) return <Empty>No races yet. Create the first one.</Empty>;
  return (
    <ul className="races races-admin">
      {races.map((race) => (
        <RaceRow key={race.id} race={race} onEdit={() => onEdit(race)} />
      ))}
    </ul>
  );
}

function RaceRow({ race, onEdit }: { race: Race; onEdit: () => void }) {
  const utils = trpc.useUtils();
  const [confirming, setConfirming] = useState<'cancel' | 'finalize' | null>(null);
  const done = () => {
    setConfirming(null);
    void utils.races.invalidate();
  };
  const cancel = trpc.races.cancel.useMutation({ onSuccess: done });
  const finalize = trpc.races.finalize.useMutation({ onSuccess: done });
  const error = cancel.error ?? finalize.error;
  const open = race.status === 'upcoming' || race.status === 'live';
  return (
    <li className="race" data-race={race.name}>
      <RaceTop race={race} />
      <div className="race-meta muted small">
        <span>Pool {formatMoney(race.prizePool)}</span>
        {race.minWager !== '0.00' ? <span>min wager {formatMoney(race.minWager)}</span> : null}
        {race.templateId ? <span>recurring</span> : null}
        <span>
          {formatDateTime(race.startsAt)} – {formatDateTime(race.endsAt)}
        </span>
      </div>
      <div className="actions">
        {open ? (
          <button type="button" className="btn btn-small" onClick={onEdit}>
            Edit
          </button>
        ) : null}
        {!open ? null : confirming ? (
          <>
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={cancel.isPending || finalize.isPending}
              onClick={() =>
                confirming === 'cancel' ? cancel.mutate({ raceId: race.id }) : finalize.mutate({ raceId: race.id })
              }
            >
              Confirm {confirming}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn btn-small" onClick={() => setConfirming('cancel')}>
              Cancel race
            </button>
            {race.status === 'live' ? (
              <button type="button" className="btn btn-small" onClick={() => setConfirming('finalize')}>
                Finalize
              </button>
            ) : null}
          </>
        )}
        <a className="btn btn-small" href={exportHref('race-results', { raceId: race.id })} download>
          Export results
        </a>
      </div>
      <FormError message={error?.message} />
    </li>
  );
}

/** A race as the server takes it, from what the form holds. */
function raceFields(draft: Draft) {
  return {
    name: draft.name,
    description: draft.description,
    startsAt: fromLocalInput(draft.startsAt),
    endsAt: fromLocalInput(draft.endsAt),
    prizePool: draft.prizePool,
    prizes: prizeList(draft.prizes),
    minWager: draft.minWager.trim() || '0',
  };
}

function RaceForm({ race, onDone }: { race: Race | null; onDone: (message?: string) => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState<Draft>(() => (race ? draftOf(race) : emptyDraft()));
  const create = trpc.races.create.useMutation({
    onSuccess: (made) => {
      void utils.races.invalidate();
      onDone(`Race “${made.name}” created; it starts ${formatDateTime(made.startsAt)}.`);
    },
  });
  const update = trpc.races.update.useMutation({
    onSuccess: (saved) => {
      void utils.races.invalidate();
      onDone(`Changes to “${saved.name}” saved.`);
    },
  });
  const mutation = race ? update : create;
  const errors = fieldErrors(mutation.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = raceFields(draft);
    if (race) {
      // Only what changed: a live race refuses edits to its start and prizes.
      const original = draftOf(race);
      update.mutate({
        raceId: race.id,
        ...(draft.name !== original.name ? { name: fields.name } : {}),
        ...(draft.description !== original.description ? { description: fields.description } : {}),
        ...(draft.startsAt !== original.startsAt ? { startsAt: fields.startsAt } : {}),
        ...(draft.endsAt !== original.endsAt ? { endsAt: fields.endsAt } : {}),
        ...(draft.prizePool !== original.prizePool ? { prizePool: fields.prizePool } : {}),
        ...(draft.prizes !== original.prizes ? { prizes: fields.prizes } : {}),
        ...(draft.minWager !== original.minWager ? { minWager: fields.minWager } : {}),
      });
    } else {
      create.mutate(fields);
    }
  };

  const text = draftFields(draft, setDraft, errors);

  return (
    <form className="form panel" onSubmit={submit} noValidate aria-label={race ? `Edit ${race.name}` : 'New race'}>
      <h2>{race ? `Edit “${race.name}”` : 'New race'}</h2>
      <FormError message={formError(mutation.error, FIELDS)} />
      {text('name', 'Name')}
      <Field label="Description" error={errorFor(errors, 'description')}>
        {(props) => (
          <textarea
            {...props}
            name="description"
            className="input"
            rows={2}
            value={draft.description}
            onChange={(e) => setDraft({ ...draft, description: e.target.value })}
          />
        )}
      </Field>
      <div className="row">
        {text('startsAt', 'Starts', { type: 'datetime-local' })}
        {text('endsAt', 'Ends', { type: 'datetime-local' })}
      </div>
      <PrizeFields draft={draft} field={text} />
      {text('minWager', 'Minimum wager', { hint: 'Players below it in the window are not ranked; 0 for anyone' })}
      <FormActions pending={mutation.isPending} submitLabel={race ? 'Save changes' : 'Create race'} onClose={onDone} />
    </form>
  );
}
