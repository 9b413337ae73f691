import { type FormEvent, useState } from 'react';
import { FormError, SubmitButton } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { TierBadge } from '../../components/Tier';
import { errorFor, type FieldErrors, fieldErrors, formError } from '../../forms';
import { trpc, type VipTier } from '../../trpc';

interface Draft {
  /** A key for React only: rows move and are removed. */
  key: number;
  name: string;
  threshold: string;
  colour: string;
}

let nextKey = 0;
const draftOf = (tier: Pick<VipTier, 'name' | 'threshold' | 'colour'>): Draft => ({
  key: nextKey++,
  name: tier.name,
  threshold: tier.threshold,
  colour: tier.colour,
});

/** `/admin/vip`: the ladder as rows of name, threshold and colour; saved whole, validated by the server. */
export function VipAdmin() {
  return (
    <section className="card" aria-labelledby="vip-admin-title">
      <div className="card-head">
        <h1 id="vip-admin-title">VIP tiers</h1>
        <span className="muted small">By all-time wager · lowest first · the first starts at 0</span>
      </div>
      <QueryBoundary what="the VIP ladder" loading={{ rows: 9, label: 'Loading the VIP ladder' }}>
        <LadderForm />
      </QueryBoundary>
    </section>
  );
}

function LadderForm() {
  const utils = trpc.useUtils();
  const [tiers] = trpc.vip.tiers.useSuspenseQuery();
  const [rows, setRows] = useState<Draft[]>(() => tiers.map(draftOf));
  const [saved, setSaved] = useState(false);
  const save = trpc.admin.vip.setTiers.useMutation({
    onSuccess: (ladder) => {
      utils.vip.tiers.setData(undefined, ladder);
      setRows(ladder.map(draftOf));
      setSaved(true);
      // Every row, standing and profile carries a tier: fetch them again under the new ladder.
      void utils.leaderboard.invalidate();
      void utils.players.invalidate();
    },
  });
  const errors = fieldErrors(save.error);
  const change = (key: number, patch: Partial<Draft>) => {
    setSaved(false);
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  };
  const move = (index: number, by: -1 | 1) => {
    setSaved(false);
    setRows((current) => {
      const next = [...current];
      const [row] = next.splice(index, 1);
      if (row) next.splice(index + by, 0, row);
      return next;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate({ tiers: rows.map(({ name, threshold, colour }) => ({ name, threshold, colour })) });
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="VIP ladder">
      <FormError message={formError(save.error, ['tiers']) ?? errorFor(errors, 'tiers')} />
      <ol className="tier-editor">
        {rows.map((row, index) => (
          <TierRow
            key={row.key}
            row={row}
            index={index}
            count={rows.length}
            errors={errors}
            onChange={(patch) => change(row.key, patch)}
            onMove={(by) => move(index, by)}
            onRemove={() => {
              setSaved(false);
              setRows((current) => current.filter((r) => r.key !== row.key));
            }}
          />
        ))}
      </ol>
      <div className="actions">
        <button
          type="button"
          className="btn"
          onClick={() => {
            setSaved(false);
            setRows((current) => [...current, draftOf({ name: '', threshold: '', colour: '#58a6ff' })]);
          }}
        >
          Add a tier
        </button>
        <SubmitButton pending={save.isPending} pendingLabel="Saving…">
          Save ladder
        </SubmitButton>
      </div>
      {saved ? (
        <p className="small ok-text" role="status">
          Saved. Every board shows the new tiers now.
        </p>
      ) : null}
    </form>
  );
}

function TierRow({
  row,
  index,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  row: Draft;
  index: number;
  count: number;
  errors: FieldErrors;
  onChange: (patch: Partial<Draft>) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const label = `Tier ${index + 1}`;
  const fields = [
    { field: 'name', label: 'Name', value: row.name, inputMode: undefined },
    { field: 'threshold', label: 'Threshold', value: row.threshold, inputMode: 'decimal' as const },
    { field: 'colour', label: 'Colour', value: row.colour, inputMode: undefined },
  ] as const;
  return (
    <li className="tier-edit-row" data-tier-row={index + 1}>
      <fieldset className="tier-edit-fields">
        <legend>
          {label}{' '}
          {row.name && /^#[0-9a-fA-F]{6}$/.test(row.colour) ? (
            <TierBadge tier={{ rank: index + 1, name: row.name, colour: row.colour }} compact />
          ) : null}
        </legend>
        {fields.map(({ field, label: fieldLabel, value, inputMode }) => {
          const error = errorFor(errors, `tiers.${index}.${field}`);
          const id = `tier-${row.key}-${field}`;
          return (
            <div key={field} className={error ? 'field field-invalid' : 'field'}>
              <label htmlFor={id}>{fieldLabel}</label>
              <div className="tier-input">
                {field === 'colour' ? (
                  <input
                    type="color"
                    aria-label={`${label} colour picker`}
                    className="colour-swatch"
                    value={/^#[0-9a-fA-F]{6}$/.test(row.colour) ? row.colour : '#000000'}
                    onChange={(e) => onChange({ colour: e.target.value })}
                  />
                ) : null}
                <input
                  id={id}
                  name={`tiers.${index}.${field}`}
                  className="input"
                  inputMode={inputMode}
                  value={value}
                  aria-invalid={Boolean(error)}
                  aria-describedby={error ? `${id}-error` : undefined}
                  onChange={(e) => onChange({ [field]: e.target.value })}
                />
              </div>
              {error ? (
                <span id={`${id}-error`} className="field-error" role="alert">
                  {error}
                </span>
              ) : null}
            </div>
          );
        })}
      </fieldset>
      <div className="tier-edit-actions">
        <button type="button" className="btn btn-small" disabled={index === 0} onClick={() => onMove(-1)}>
          ↑<span className="sr-only"> Move {label} up</span>
        </button>
        <button type="button" className="btn btn-small" disabled={index === count - 1} onClick={() => onMove(1)}>
          ↓<span className="sr-only"> Move {label} down</span>
        </button>
        <button type="button" className="btn btn-small btn-danger" disabled={count === 1} onClick={onRemove}>
          Remove<span className="sr-only"> {label}</span>
        </button>
      </div>
    </li>
  );
}
