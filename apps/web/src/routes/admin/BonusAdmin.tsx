import { type FormEvent, useState } from 'react';
import { Field, FormError } from '../../components/Field';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatAmount, formatDateTime } from '../../format';
import { errorFor, fieldErrors, formError, fromLocalInput } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';

type BonusCode = RouterOutputs['bonus']['list']['codes'][number];

export function BonusAdmin() {
  const codes = trpc.bonus.list.useQuery({ limit: 100 });
  return (
    <div className="stack">
      <CreateCode />
      <section className="card" aria-labelledby="bonus-admin-title">
        <h1 id="bonus-admin-title">Bonus codes</h1>
        {codes.isPending ? (
          <SkeletonRows rows={3} label="Loading codes" />
        ) : codes.isError ? (
          <QueryError error={codes.error} what="bonus codes" retry={() => void codes.refetch()} />
        ) : codes.data.codes.length === 0 ? (
          <Empty>No bonus codes yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table table-admin">
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Claims</th>
                  <th scope="col" className="hide-narrow">
                    Rules
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {codes.data.codes.map((code) => (
                  <CodeRow key={code.id} code={code} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function CodeRow({ code }: { code: BonusCode }) {
  const utils = trpc.useUtils();
  const disable = trpc.bonus.disable.useMutation({ onSuccess: () => void utils.bonus.list.invalidate() });
  const expired = code.expiresAt !== null && code.expiresAt.getTime() <= Date.now();
  return (
    <tr>
      <td>
        <code>{code.code}</code>
        {code.description ? <div className="muted small">{code.description}</div> : null}
      </td>
      <td>
        {code.claimsCount}/{code.maxClaims}
      </td>
      <td className="hide-narrow small">
        {code.minMonthlyWager ? `month ≥ ${formatAmount(code.minMonthlyWager)}` : 'anyone'}
        {code.expiresAt ? ` · until ${formatDateTime(code.expiresAt)}` : ''}
      </td>
      <td>{code.disabled ? 'disabled' : expired ? 'expired' : code.remaining === 0 ? 'used up' : 'active'}</td>
      <td>
        {code.disabled ? null : (
          <button
            type="button"
            className="btn btn-small"
            disabled={disable.isPending}
            onClick={() => disable.mutate({ id: code.id })}
          >
            Disable
          </button>
        )}
        <FormError message={disable.error?.message} />
      </td>
    </tr>
  );
}

function CreateCode() {
  const utils = trpc.useUtils();
  const blank = { code: '', description: '', maxClaims: '100', minMonthlyWager: '', expiresAt: '' };
  const [draft, setDraft] = useState(blank);
  const create = trpc.bonus.create.useMutation({
    onSuccess: () => {
      setDraft(blank);
      void utils.bonus.list.invalidate();
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      code: draft.code,
      description: draft.description,
      maxClaims: Number(draft.maxClaims),
      minMonthlyWager: draft.minMonthlyWager || null,
      expiresAt: draft.expiresAt ? fromLocalInput(draft.expiresAt) : null,
    });
  };
  const input = (field: keyof typeof blank, label: string, type = 'text', hint?: string) => (
    <Field label={label} error={errorFor(errors, field)} {...(hint ? { hint } : {})}>
      {(props) => (
        <input
          {...props}
          name={field}
          type={type}
          className="input"
          value={draft[field]}
          onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
        />
      )}
    </Field>
  );
  return (
    <section className="card" aria-labelledby="new-code-title">
      <h2 id="new-code-title">New bonus code</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError
          message={formError(create.error, ['code', 'description', 'maxClaims', 'minMonthlyWager', 'expiresAt'])}
        />
        <div className="row">
          {input('code', 'Code')}
          {input('maxClaims', 'Claim limit', 'number')}
        </div>
        {input('description', 'Description')}
        <div className="row">
          {input('minMonthlyWager', 'Min monthly wager (optional)')}
          {input('expiresAt', 'Expires (optional)', 'datetime-local')}
        </div>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Create code
        </button>
      </form>
    </section>
  );
}
