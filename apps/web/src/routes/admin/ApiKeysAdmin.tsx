import { type FormEvent, useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable';
import { ActionButton, draftFields, FormError, SubmitButton } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { formatDateTime } from '../../format';
import { errorFor, fieldErrors, formError, fromLocalInput } from '../../forms';
import { type RouterInputs, type RouterOutputs, trpc } from '../../trpc';

type Scope = RouterInputs['admin']['apiKeys']['create']['scopes'][number];
type ApiKey = RouterOutputs['admin']['apiKeys']['list'][number];
type CreatedKey = RouterOutputs['admin']['apiKeys']['create'];

const scopes = [
  { scope: 'bot', hint: 'the Telegram bot' },
  { scope: 'ingest', hint: 'push player records' },
  { scope: 'read', hint: 'admin queries, no changes' },
  { scope: 'admin', hint: 'everything' },
] as const satisfies readonly { scope: Scope; hint: string }[];

export function ApiKeysAdmin() {
  // The secret of the last created or rotated key; never fetched again.
  const [revealed, setRevealed] = useState<CreatedKey | null>(null);

  return (
    <div className="stack">
      <CreateKey onCreated={setRevealed} />
      {revealed ? (
        <section className="card callout" aria-live="polite" aria-labelledby="new-key-title">
          <h2 id="new-key-title">Copy the key for “{revealed.apiKey.name}” now</h2>
          <p className="muted small">It is shown only this once; only its hash is stored.</p>
          <div className="secret-row">
            <code className="secret" data-testid="new-api-key">
              {revealed.key}
            </code>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => void navigator.clipboard?.writeText(revealed.key)}
            >
              Copy
            </button>
            <button type="button" className="btn btn-small" onClick={() => setRevealed(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}
      <section className="card" aria-labelledby="keys-title">
        <h1 id="keys-title">API keys</h1>
        <QueryBoundary what="API keys" loading={{ rows: 3, label: 'Loading keys' }}>
          <KeysTable onRotated={setRevealed} />
        </QueryBoundary>
      </section>
    </div>
  );
}

const keyColumns = (onRotated: (created: CreatedKey) => void): Column<ApiKey>[] => [
  { key: 'name', header: 'Name', cellClassName: 'name', cell: (apiKey) => apiKey.name },
  { key: 'key', header: 'Key', cell: (apiKey) => <code>{apiKey.prefix}…</code> },
  { key: 'scopes', header: 'Scopes', cellClassName: 'small', cell: (apiKey) => apiKey.scopes.join(', ') },
  { key: 'status', header: 'Status', cell: (apiKey) => <KeyStatus apiKey={apiKey} /> },
  {
    key: 'owner',
    header: 'Owner',
    className: 'hide-narrow',
    title: "A key acts with at most its owner's current rights",
    cellClassName: 'small',
    cell: (apiKey) => (apiKey.owner ? apiKey.owner.username : <span className="muted">system</span>),
  },
  {
    key: 'lastUsed',
    header: 'Last used',
    className: 'hide-narrow',
    cellClassName: 'muted small',
    cell: (apiKey) => (apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : 'never'),
  },
  { key: 'actions', header: 'Actions', cell: (apiKey) => <KeyActions apiKey={apiKey} onRotated={onRotated} /> },
];

function KeysTable({ onRotated }: { onRotated: (created: CreatedKey) => void }) {
  const [keys] = trpc.admin.apiKeys.list.useSuspenseQuery();
  return (
    <DataTable
      rows={keys}
      columns={keyColumns(onRotated)}
      rowKey={(apiKey) => apiKey.id}
      empty="No API keys yet."
      rowProps={(apiKey) => ({ 'data-key': apiKey.name })}
    />
  );
}

function KeyStatus({ apiKey }: { apiKey: ApiKey }) {
  return (
    <>
      <span className={`badge badge-key-${apiKey.status}`}>{apiKey.status}</span>
      {apiKey.status === 'grace' && apiKey.graceUntil ? (
        <span className="muted small"> until {formatDateTime(apiKey.graceUntil)}</span>
      ) : null}
      {apiKey.status === 'suspended' ? (
        <span className="muted small">
          {apiKey.suspendedReason === 'owner-banned'
            ? ' owner banned'
            : apiKey.suspendedReason === 'owner-demoted'
              ? ' owner no longer an admin'
              : ' owner lacks the rights'}
        </span>
      ) : null}
    </>
  );
}

function KeyActions({ apiKey, onRotated }: { apiKey: ApiKey; onRotated: (created: CreatedKey) => void }) {
  const utils = trpc.useUtils();
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const rotate = trpc.admin.apiKeys.rotate.useMutation({
    onSuccess: (created) => {
      onRotated(created);
      void utils.admin.apiKeys.list.invalidate();
    },
  });
  const revoke = trpc.admin.apiKeys.revoke.useMutation({
    onSuccess: () => void utils.admin.apiKeys.list.invalidate(),
  });
  const usable = apiKey.status === 'active' || apiKey.status === 'grace';
  return (
    <div className="actions">
      {usable ? (
        <>
          {apiKey.status === 'active' ? (
            <button
              type="button"
              className="btn btn-small"
              disabled={rotate.isPending}
              onClick={() => rotate.mutate({ id: apiKey.id, graceHours: 24 })}
              title="A new key; this one keeps working for 24 hours"
            >
              Rotate
            </button>
          ) : null}
          {confirmRevoke ? (
            <ActionButton
              className="btn btn-small btn-danger"
              pending={revoke.isPending}
              onClick={() => revoke.mutate({ id: apiKey.id })}
            >
              Confirm revoke
            </ActionButton>
          ) : (
            <button type="button" className="btn btn-small" onClick={() => setConfirmRevoke(true)}>
              Revoke
            </button>
          )}
        </>
      ) : null}
      <FormError message={rotate.error?.message ?? revoke.error?.message} />
    </div>
  );
}

const emptyKey = { name: '', expiresAt: '' };

function CreateKey({ onCreated }: { onCreated: (created: CreatedKey) => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState(emptyKey);
  const [chosen, setChosen] = useState<Set<Scope>>(() => new Set());
  const create = trpc.admin.apiKeys.create.useMutation({
    onSuccess: (created) => {
      setDraft(emptyKey);
      setChosen(new Set());
      onCreated(created);
      void utils.admin.apiKeys.list.invalidate();
    },
  });
  const errors = fieldErrors(create.error);
  const field = draftFields(draft, setDraft, errors);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { name, expiresAt } = draft;
    create.mutate({ name, scopes: [...chosen], expiresAt: expiresAt ? fromLocalInput(expiresAt) : null });
  };
  const toggle = (scope: Scope) => {
    const next = new Set(chosen);
    if (next.has(scope)) next.delete(scope);
    else next.add(scope);
    setChosen(next);
  };
  return (
    <section className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(create.error, ['name', 'scopes', 'expiresAt'])} />
        {field('name', 'Name')}
        <fieldset className={errorFor(errors, 'scopes') ? 'field field-invalid' : 'field'}>
          <legend>Scopes</legend>
          <div className="checks">
            {scopes.map((s) => (
              <label key={s.scope} className="check-label">
                <input type="checkbox" checked={chosen.has(s.scope)} onChange={() => toggle(s.scope)} /> {s.scope}{' '}
                <span className="muted small">({s.hint})</span>
              </label>
            ))}
          </div>
          {errorFor(errors, 'scopes') ? (
            <span className="field-error" role="alert">
              {errorFor(errors, 'scopes')}
            </span>
          ) : null}
        </fieldset>
        {field('expiresAt', 'Expires (optional)', { type: 'datetime-local' })}
        <SubmitButton pending={create.isPending}>Create key</SubmitButton>
      </form>
    </section>
  );
}
