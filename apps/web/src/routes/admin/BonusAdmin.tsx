import { type FormEvent, useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { ActionButton, draftFields, FormActions, FormError, SubmitButton } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Empty } from '../../components/States';
import { formatDateTime, formatMoney } from '../../format';
import { fieldErrors, formError, fromLocalInput, toLocalInput } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';
import { exportHref } from './ExportLinks';

type BonusCode = RouterOutputs['bonus']['list']['codes'][number];

type Panel = 'claims' | 'edit';

export function BonusAdmin() {
  return (
    <div className="stack">
      <CreateCode />
      <section className="card" aria-labelledby="bonus-admin-title">
        <h1 id="bonus-admin-title">Bonus codes</h1>
        <QueryBoundary what="bonus codes" loading={{ rows: 3, label: 'Loading codes' }}>
          <CodesTable />
        </QueryBoundary>
      </section>
    </div>
  );
}

function statusOf(code: BonusCode): string {
  const expired = code.expiresAt !== null && code.expiresAt.getTime() <= Date.now();
  return code.disabled ? 'disabled' : expired ? 'expired' : code.remaining === 0 ? 'used up' : 'active';
}

/** Every code; each row opens who claimed it or its editor underneath (several may be open). */
function CodesTable() {
  const [{ codes }] = trpc.bonus.list.useSuspenseQuery({ limit: 100 });
  const [open, setOpen] = useState<ReadonlyMap<number, Panel>>(() => new Map());
  const show = (id: number, panel: Panel | null) =>
    setOpen((current) => {
      const next = new Map(current);
      if (panel === null) next.delete(id);
      else next.set(id, panel);
      return next;
    });
  const columns: Column<BonusCode>[] = [
    {
      key: 'code',
      header: 'Code',
      cell: (code) => (
        <>
          <code>{code.code}</code>
          {code.description ? <div className="muted small">{code.description}</div> : null}
        </>
      ),
    },
    {
      key: 'claims',
      header: 'Claims',
      cell: (code) => (
        <>
          {code.claimsCount}/{code.maxClaims}
          <div className="muted small">{statusOf(code)}</div>
        </>
      ),
    },
    {
      key: 'rules',
      header: 'Rules',
      className: 'hide-narrow',
      cellClassName: 'small',
      cell: (code) => (
        <>
          {code.minMonthlyWager ? `month ≥ ${formatMoney(code.minMonthlyWager)}` : 'anyone'}
          {code.expiresAt ? ` · until ${formatDateTime(code.expiresAt)}` : ''}
        </>
      ),
    },
    {
      key: 'actions',
      header: 'Actions',
      cell: (code) => {
        const panel = open.get(code.id) ?? null;
        return <CodeActions code={code} open={panel} onToggle={(p) => show(code.id, panel === p ? null : p)} />;
      },
    },
  ];
  return (
    <DataTable
      rows={codes}
      columns={columns}
      rowKey={(code) => code.id}
      empty="No bonus codes yet."
      rowProps={(code) => ({ 'data-code': code.code })}
      detailProps={() => ({ className: 'row-detail' })}
      detail={(code) => {
        const panel = open.get(code.id);
        if (panel === undefined) return null;
        return panel === 'claims' ? (
          <QueryBoundary what="claims" retry={false} loading={{ rows: 2, label: 'Loading claims' }}>
            <Claims code={code} />
          </QueryBoundary>
        ) : (
          <EditCode code={code} onDone={() => show(code.id, null)} />
        );
      }}
    />
  );
}

function CodeActions({
  code,
  open,
  onToggle,
}: {
  code: BonusCode;
  open: Panel | null;
  onToggle: (panel: Panel) => void;
}) {
  const utils = trpc.useUtils();
  const disable = trpc.bonus.disable.useMutation({ onSuccess: () => void utils.bonus.list.invalidate() });
  const enable = trpc.bonus.enable.useMutation({ onSuccess: () => void utils.bonus.list.invalidate() });
  return (
    <>
      <div className="actions">
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open === 'claims'}
          onClick={() => onToggle('claims')}
        >
          Who claimed
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open === 'edit'}
          onClick={() => onToggle('edit')}
        >
          Edit
        </button>
        {code.disabled ? (
          <ActionButton pending={enable.isPending} onClick={() => enable.mutate({ id: code.id })}>
            Re-enable
          </ActionButton>
        ) : (
          <ActionButton pending={disable.isPending} onClick={() => disable.mutate({ id: code.id })}>
            Disable
          </ActionButton>
        )}
      </div>
      <FormError message={disable.error?.message ?? enable.error?.message} />
    </>
  );
}

function Claims({ code }: { code: BonusCode }) {
  const [claims, query] = trpc.bonus.claims.useSuspenseInfiniteQuery(
    { codeId: code.id, limit: 100 },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const rows = claims.pages.flatMap((p) => p.claims);
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
      <LoadMore query={query} small />
    </div>
  );
}

/** What a code's form says, as the server takes it: a blank optional field is "none". */
function codeSettings(draft: { description: string; maxClaims: string; minMonthlyWager: string; expiresAt: string }) {
  return {
    description: draft.description,
    maxClaims: Number(draft.maxClaims),
    minMonthlyWager: draft.minMonthlyWager || null,
    expiresAt: draft.expiresAt ? fromLocalInput(draft.expiresAt) : null,
  };
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
  const field = draftFields(draft, setDraft, errors);
  return (
    <form
      className="form"
      aria-label={`Edit ${code.code}`}
      noValidate
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        update.mutate({ id: code.id, ...codeSettings(draft) });
      }}
    >
      <FormError message={formError(update.error, ['description', 'maxClaims', 'minMonthlyWager', 'expiresAt'])} />
      <div className="row">
        {field('description', 'Description')}
        {field('maxClaims', 'Claim limit', { type: 'number' })}
      </div>
      <div className="row">
        {field('minMonthlyWager', 'Min monthly wager (optional)')}
        {field('expiresAt', 'Expires (optional)', { type: 'datetime-local' })}
      </div>
      <FormActions pending={update.isPending} submitLabel={'Save'} onClose={onDone} small />
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
    create.mutate({ code: draft.code, ...codeSettings(draft) });
  };
  const input = draftFields(draft, setDraft, errors);
  return (
    <section className="card" aria-labelledby="new-code-title">
      <h2 id="new-code-title">New bonus code</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError
          message={formError(create.error, ['code', 'description', 'maxClaims', 'minMonthlyWager', 'expiresAt'])}
        />
        <div className="row">
          {input('code', 'Code')}
          {input('maxClaims', 'Claim limit', { type: 'number' })}
        </div>
        {input('description', 'Description')}
        <div className="row">
          {input('minMonthlyWager', 'Min monthly wager (optional)')}
          {input('expiresAt', 'Expires (optional)', { type: 'datetime-local' })}
        </div>
        <SubmitButton pending={create.isPending}>Create code</SubmitButton>
      </form>
    </section>
  );
}
