import { type FormEvent, useState } from 'react';
import { FormError, TextField } from '../../components/Field';
import { Empty, QueryError, SkeletonRows } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { errorFor, fieldErrors, formError, fromLocalInput, toLocalInput } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

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
  const enable = trpc.bonus.enable.useMutation({ onSuccess: () => void utils.bonus.list.invalidate() });
  const [open, setOpen] = useState<'claims' | 'edit' | null>(null);
  const expired = code.expiresAt !== null && code.expiresAt.getTime() <= Date.now();
  const status = code.disabled ? 'disabled' : expired ? 'expired' : code.remaining === 0 ? 'used up' : 'active';
  return (
    <>
      <tr data-code={code.code}>
        <td>
          <code>{code.code}</code>
          {code.description ? <div className="muted small">{code.description}</div> : null}
        </td>
        <td>
          {code.claimsCount}/{code.maxClaims}
          <div className="muted small">{status}</div>
        </td>
        <td className="hide-narrow small">
          {code.minMonthlyWager ? `month ≥ ${formatMoney(code.minMonthlyWager)}` : 'anyone'}
          {code.expiresAt ? ` · until ${formatDateTime(code.expiresAt)}` : ''}
        </td>
        <td>
          <div className="actions">
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={open === 'claims'}
              onClick={() => setOpen(open === 'claims' ? null : 'claims')}
            >
              Who claimed
            </button>
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={open === 'edit'}
              onClick={() => setOpen(open === 'edit' ? null : 'edit')}
            >
              Edit
            </button>
            {code.disabled ? (
              <button
                type="button"
                className="btn btn-small"
                disabled={enable.isPending}
                onClick={() => enable.mutate({ id: code.id })}
              >
                Re-enable
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                disabled={disable.isPending}
                onClick={() => disable.mutate({ id: code.id })}
              >
                Disable
              </button>
            )}
          </div>
          <FormError message={disable.error?.message ?? enable.error?.message} />
        </td>
      </tr>
      {open ? (
        <tr className="row-detail">
          <td colSpan={4}>
            {open === 'claims' ? <Claims code={code} /> : <EditCode code={code} onDone={() => setOpen(null)} />}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Claims({ code }: { code: BonusCode }) {
  const claims = trpc.bonus.claims.useInfiniteQuery(
    { codeId: code.id, limit: 100 },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const rows = claims.data?.pages.flatMap((p) => p.claims) ?? [];
  if (claims.isPending) return <SkeletonRows rows={2} label="Loading claims" />;
  if (claims.isError) return <QueryError error={claims.error} what="claims" />;
  return (
    <div className="stack-small" data-testid={`claims-${code.code}`}>
      <div className="toolbar">
        <strong className="small">{code.claimsCount} claimed</strong>
        <a className="small" href={exportHref('bonus-claims', { codeId: code.id })} download>
          Export CSV
        </a>
      </div>
      {rows.length === 0 ? (
        <Empty>Nobody has claimed it yet.</Empty>
      ) : (
        <ul className="plain-list small">
          {rows.map((c) => (
            <li key={c.id}>
              {c.username} <span className="muted">· {formatDateTime(c.claimedAt)}</span>
            </li>
          ))}
        </ul>
      )}
      {claims.hasNextPage ? (
        <button type="button" className="btn btn-small" onClick={() => void claims.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </div>
  );
}

function EditCode({ code, onDone }: { code: BonusCode; onDone: () => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState({
    description: code.description,
    maxClaims: String(code.maxClaims),
    minMonthlyWager: code.minMonthlyWager ?? '',
    expiresAt: code.expiresAt ? toLocalInput(code.expiresAt) : '',
  });
  const update = trpc.bonus.update.useMutation({
    onSuccess: () => {
      void utils.bonus.list.invalidate();
      onDone();
    },
  });
  const errors = fieldErrors(update.error);
  const field = (name: keyof typeof draft, label: string, type = 'text') => (
    <TextField
      name={name}
      label={label}
      type={type}
      value={draft[name]}
      error={errorFor(errors, name)}
      onChange={(value) => setDraft({ ...draft, [name]: value })}
    />
  );
  return (
    <form
      className="form"
      aria-label={`Edit ${code.code}`}
      noValidate
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        update.mutate({
          id: code.id,
          description: draft.description,
          maxClaims: Number(draft.maxClaims),
          minMonthlyWager: draft.minMonthlyWager || null,
          expiresAt: draft.expiresAt ? fromLocalInput(draft.expiresAt) : null,
        });
      }}
    >
      <FormError message={formError(update.error, ['description', 'maxClaims', 'minMonthlyWager', 'expiresAt'])} />
      <div className="row">
        {field('description', 'Description')}
        {field('maxClaims', 'Claim limit', 'number')}
      </div>
      <div className="row">
        {field('minMonthlyWager', 'Min monthly wager (optional)')}
        {field('expiresAt', 'Expires (optional)', 'datetime-local')}
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={update.isPending}>
          Save
        </button>
        <button type="button" className="btn btn-small" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
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
    <TextField
      name={field}
      label={label}
      type={type}
      hint={hint}
      value={draft[field]}
      error={errorFor(errors, field)}
      onChange={(value) => setDraft({ ...draft, [field]: value })}
    />
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
