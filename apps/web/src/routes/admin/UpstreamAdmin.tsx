import { type FormEvent, useState } from 'react';
import { ActionButton, Field, FormError, SubmitButton, TextField } from '../../components/Field';
import { QueryBoundary } from '../../components/QueryBoundary';
import { formatDateTimeSeconds, formatMs } from '../../format';
import { errorFor, fieldErrors, formError } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';

type Settings = RouterOutputs['admin']['upstream']['get'];
type TestResult = RouterOutputs['admin']['upstream']['test'];

const sourceText: Record<Settings['source'], string> = {
  database: 'the URL stored here',
  environment: 'the server’s environment (AFFILIATE_API_URL)',
  simulator: 'the built-in simulator (no feed URL is set)',
};

export function UpstreamAdmin() {
  return (
    <section className="card" aria-labelledby="upstream-title">
      <div className="card-head">
        <h1 id="upstream-title">Affiliate feed</h1>
      </div>
      <QueryBoundary what="the feed settings" loading={{ rows: 3, label: 'Loading the feed settings' }}>
        <UpstreamForm />
      </QueryBoundary>
    </section>
  );
}

function UpstreamForm() {
  const utils = trpc.useUtils();
  const [settings] = trpc.admin.upstream.get.useSuspenseQuery();
  const [url, setUrl] = useState(settings.storedUrl ?? settings.url ?? '');
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState(false);
  const save = trpc.admin.upstream.set.useMutation({
    onSuccess: (view) => {
      utils.admin.upstream.get.setData(undefined, view);
      setToken('');
      setSaved(true);
    },
  });
  const test = trpc.admin.upstream.test.useMutation();
  const errors = fieldErrors(save.error ?? test.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate({ url: url.trim() === '' ? null : url.trim(), ...(token ? { token } : {}) });
  };
  const tokenHint = settings.token.set
    ? `Set (ends …${settings.token.last4}, from ${settings.token.from}). Leave empty to keep it.`
    : 'None set.';
  return (
    <>
      {settings.authFailure ? (
        <p className="notice notice-bad" role="alert">
          The feed refuses the token: HTTP {settings.authFailure.status} since{' '}
          {formatDateTimeSeconds(settings.authFailure.since)}. Paste a new token and save; the next run uses it.
        </p>
      ) : null}
      <p className="small upstream-source">
        Runs pull from <strong>{sourceText[settings.source]}</strong>
        {settings.url ? (
          <>
            : <code>{settings.url}</code>
          </>
        ) : null}
        .{' '}
        {settings.updatedAt
          ? `Changed ${formatDateTimeSeconds(settings.updatedAt)}${settings.updatedBy ? ` by ${settings.updatedBy}` : ''}.`
          : ''}
      </p>
      <form className="form" onSubmit={submit} noValidate aria-label="Feed settings">
        <FormError message={formError(save.error, ['url', 'token'])} />
        <TextField
          name="url"
          label="Feed URL"
          type="url"
          value={url}
          onChange={setUrl}
          error={errorFor(errors, 'url')}
          hint={
            settings.defaultUrl
              ? `Empty: back to the environment’s ${settings.defaultUrl}`
              : 'Empty: back to the built-in simulator'
          }
        />
        <Field label="API token" error={errorFor(errors, 'token')} hint={tokenHint}>
          {(props) => (
            <input
              {...props}
              name="token"
              type="password"
              autoComplete="off"
              className="input"
              placeholder={settings.token.set ? `•••• ${settings.token.last4}` : ''}
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <SubmitButton pending={save.isPending} pendingLabel="Saving…">
            Save
          </SubmitButton>
          <ActionButton
            className="btn"
            pending={test.isPending}
            onClick={() => test.mutate({ ...(url.trim() ? { url: url.trim() } : {}), ...(token ? { token } : {}) })}
          >
            {test.isPending ? 'Testing…' : 'Test connection'}
          </ActionButton>
          {settings.token.set ? (
            <ActionButton
              className="btn"
              pending={save.isPending}
              onClick={() => save.mutate({ url: settings.storedUrl, token: null })}
            >
              Forget stored token
            </ActionButton>
          ) : null}
        </div>
        {saved ? (
          <p className="small ok-text" role="status">
            Saved. The next sync run, on every server, uses it.
          </p>
        ) : null}
      </form>
      <FormError message={test.error && !errors.url ? test.error.message : undefined} />
      {test.data ? <TestReport result={test.data} /> : null}
    </>
  );
}

function TestReport({ result }: { result: TestResult }) {
  return (
    <div className={result.ok ? 'panel test-ok' : 'panel test-bad'} role="status" data-testid="connection-test">
      <h2 className="subhead">{result.ok ? 'Connection works' : 'Connection failed'}</h2>
      <p className="small">
        {result.url} · HTTP {result.status ?? '—'} · {formatMs(result.durationMs)} · {result.records} records (
        {result.valid} valid) · nothing was applied
      </p>
      {result.error ? <p className="field-error">{result.error}</p> : null}
      {result.rejected.length > 0 ? (
        <details>
          <summary className="small">{result.rejected.length} records would be skipped</summary>
          <ul className="small">
            {result.rejected.map((r) => (
              <li key={r.index}>
                #{r.index + 1}
                {r.uid ? ` (${r.uid})` : ''}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {result.sample.length > 0 ? (
        <details>
          <summary className="small">Sample</summary>
          <pre className="details">{JSON.stringify(result.sample, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}
