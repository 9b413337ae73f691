import { type FormEvent, useState } from 'react';
import { EditorSlot } from '../../components/EditorSlot';
import { ActionButton, draftFields, Field, FormActions, FormError } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { PrizeFields, prizeList } from '../../components/SplitTotal';
import { Empty } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { errorFor, fieldErrors, formError } from '../../forms';
import { useEditor } from '../../hooks/useEditor';
import { type RouterOutputs, trpc } from '../../trpc';

type Template = RouterOutputs['admin']['raceTemplates']['list'][number];
const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const zones: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();
const FIELDS = ['name', 'cadence', 'startDay', 'startTime', 'timeZone', 'prizePool', 'prizes', 'minWager', 'leadHours'];

interface Draft {
  name: string;
  description: string;
  cadence: 'weekly' | 'monthly';
  startDay: string;
  startTime: string;
  timeZone: string;
  prizePool: string;
  prizes: string;
  minWager: string;
  leadHours: string;
  active: boolean;
}

function draftOf(t: Template | null): Draft {
  return t
    ? {
        name: t.name,
        description: t.description,
        cadence: t.cadence,
        startDay: String(t.startDay),
        startTime: t.startTime,
        timeZone: t.timeZone,
        prizePool: t.prizePool,
        prizes: t.prizes.join(', '),
        minWager: t.minWager,
        leadHours: String(t.leadHours),
        active: t.active,
      }
    : {
        name: '',
        description: '',
        cadence: 'weekly',
        startDay: '1',
        startTime: '00:00',
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
        prizePool: '1000.00',
        prizes: '500, 300, 200',
        minWager: '0',
        leadHours: '48',
        active: true,
      };
}

function when(t: Template): string {
  const day = t.cadence === 'weekly' ? `every ${weekdays[t.startDay - 1] ?? '?'}` : `monthly on day ${t.startDay}`;
  return `${day} at ${t.startTime} (${t.timeZone}), for a ${t.cadence === 'weekly' ? 'week' : 'month'}`;
}

export function RaceTemplatesAdmin() {
  const editor = useEditor<Template>();
  return (
    <section className="card" aria-labelledby="templates-title">
      <div className="card-head">
        <h2 id="templates-title">Recurring races</h2>
        <button type="button" className="btn" onClick={() => editor.edit('new')}>
          New recurring race
        </button>
      </div>
      <p className="muted small">
        Each race is created ahead of its start (the lead time) and announced then. Editing a template changes the races
        created after the edit; one already created keeps its settings (edit it above).
      </p>
      <EditorSlot editor={editor} form={(template, onDone) => <TemplateForm template={template} onDone={onDone} />} />
      <QueryBoundary what="recurring races" loading={{ rows: 2, label: 'Loading recurring races' }}>
        <TemplateList onEdit={editor.edit} onDeleted={editor.setDone} />
      </QueryBoundary>
    </section>
  );
}

function TemplateList({ onEdit, onDeleted }: { onEdit: (t: Template) => void; onDeleted: (m: string) => void }) {
  const [templates] = trpc.admin.raceTemplates.list.useSuspenseQuery();
  if (templates.length === 0) return <Empty>No recurring races yet.</Empty>;
  return (
    <ul className="races races-admin">
      {templates.map((t) => (
        <TemplateRow key={t.id} template={t} onEdit={() => onEdit(t)} onDeleted={onDeleted} />
      ))}
    </ul>
  );
}

function TemplateRow({
  template: t,
  onEdit,
  onDeleted,
}: {
  template: Template;
  onEdit: () => void;
  onDeleted: (m: string) => void;
}) {
  const utils = trpc.useUtils();
  const [confirming, setConfirming] = useState(false);
  const remove = trpc.admin.raceTemplates.delete.useMutation({
    onSuccess: () => {
      void utils.admin.raceTemplates.invalidate();
      onDeleted(`“${t.name}” will not repeat any more; races already created stay.`);
    },
  });
  return (
    <li className="race" data-template={t.name}>
      <div className="race-top">
        <span className="race-name">{t.name}</span>
        <span className={t.active ? 'badge badge-live' : 'badge'}>{t.active ? 'active' : 'paused'}</span>
      </div>
      <div className="race-meta muted small">
        <span>{when(t)}</span>
        <span>
          Pool {formatMoney(t.prizePool)} · {t.prizes.length} prizes
          {t.minWager !== '0.00' ? ` · min wager ${formatMoney(t.minWager)}` : ''} · created {t.leadHours} h ahead
        </span>
        <span>{t.nextStartsAt ? `Next starts ${formatDateTime(t.nextStartsAt)}` : 'No next race'}</span>
      </div>
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={onEdit}>
          Edit
        </button>
        {confirming ? (
          <>
            <ActionButton
              className="btn btn-small btn-danger"
              pending={remove.isPending}
              onClick={() => remove.mutate({ id: t.id })}
            >
              Confirm delete
            </ActionButton>
            <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      <FormError message={remove.error?.message} />
    </li>
  );
}

function TemplateForm({ template, onDone }: { template: Template | null; onDone: (message?: string) => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState<Draft>(() => draftOf(template));
  const finish = (message: string) => {
    void utils.admin.raceTemplates.invalidate();
    onDone(message);
  };
  const create = trpc.admin.raceTemplates.create.useMutation({ onSuccess: (t) => finish(`“${t.name}” created.`) });
  const update = trpc.admin.raceTemplates.update.useMutation({
    onSuccess: (t) => finish(`“${t.name}” saved: races created from now on use it.`),
  });
  const mutation = template ? update : create;
  const errors = fieldErrors(mutation.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = {
      name: draft.name,
      description: draft.description,
      cadence: draft.cadence,
      startDay: Number(draft.startDay),
      startTime: draft.startTime,
      timeZone: draft.timeZone,
      prizePool: draft.prizePool,
      prizes: prizeList(draft.prizes),
      minWager: draft.minWager.trim() || '0',
      leadHours: Number(draft.leadHours),
      active: draft.active,
    };
    if (template) update.mutate({ id: template.id, ...fields });
    else create.mutate(fields);
  };
  const text = draftFields(draft, setDraft, errors);
  return (
    <form
      className="form panel"
      onSubmit={submit}
      noValidate
      aria-label={template ? `Edit ${template.name}` : 'New recurring race'}
    >
      <h3>{template ? `Edit “${template.name}”` : 'New recurring race'}</h3>
      <FormError message={formError(mutation.error, FIELDS)} />
      {text('name', 'Name')}
      <div className="row">
        <Field label="Repeats" error={errorFor(errors, 'cadence')}>
          {(props) => (
            <select
              {...props}
              className="input"
              value={draft.cadence}
              onChange={(e) => setDraft({ ...draft, cadence: e.target.value === 'monthly' ? 'monthly' : 'weekly' })}
            >
              <option value="weekly">Weekly</option>
              <option value="monthly">Monthly</option>
            </select>
          )}
        </Field>
        <Field
          label={draft.cadence === 'weekly' ? 'Starts on' : 'Day of the month'}
          error={errorFor(errors, 'startDay')}
        >
          {(props) => (
            <select
              {...props}
              className="input"
              value={draft.startDay}
              onChange={(e) => setDraft({ ...draft, startDay: e.target.value })}
            >
              {(draft.cadence === 'weekly' ? weekdays : Array.from({ length: 28 }, (_, i) => String(i + 1))).map(
                (label, i) => (
                  <option key={label} value={String(i + 1)}>
                    {label}
                  </option>
                ),
              )}
            </select>
          )}
        </Field>
        {text('startTime', 'At', { type: 'time' })}
      </div>
      <Field label="Time zone" error={errorFor(errors, 'timeZone')}>
        {(props) => (
          <>
            <input
              {...props}
              list="time-zones"
              className="input"
              value={draft.timeZone}
              onChange={(e) => setDraft({ ...draft, timeZone: e.target.value })}
            />
            <datalist id="time-zones">
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <PrizeFields draft={draft} field={text} />
      <div className="row">
        {text('minWager', 'Minimum wager', { hint: '0 for anyone who wagered' })}
        {text('leadHours', 'Create ahead (hours)', { type: 'number' })}
      </div>
      <label className="small check-label">
        <input
          type="checkbox"
          checked={draft.active}
          onChange={(e) => setDraft({ ...draft, active: e.target.checked })}
        />{' '}
        Active (creates races)
      </label>
      <FormActions pending={mutation.isPending} submitLabel={template ? 'Save changes' : 'Create'} onClose={onDone} />
    </form>
  );
}
