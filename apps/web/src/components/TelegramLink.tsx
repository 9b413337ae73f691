import { type FormEvent, useState } from 'react';
import { formatDateTime } from '../format';
import { fieldErrors, formError } from '../forms';
import type { Me } from '../trpc';
import { trpc } from '../trpc';
import { ActionButton, draftFields, FormError, SubmitButton } from './Field';

/**
 * Linking Telegram: a one-time code for the bot, then the code the bot sends back, entered here.
 * Until then the link counts for nothing sensitive (password resets through the bot): a link code
 * alone can leak (a screenshot, a shared t.me link), and this proves the same person holds both.
 */
export function TelegramLink({ me }: { me: Me }) {
  const utils = trpc.useUtils();
  const refresh = () => void utils.auth.me.invalidate();
  const linkCode = trpc.telegram.createLinkCode.useMutation();
  const unlink = trpc.telegram.unlink.useMutation({ onSuccess: refresh });
  const handle = me.telegram.username ? `@${me.telegram.username}` : 'a Telegram account';
  return (
    <section className="card" aria-labelledby="telegram-title">
      <h2 id="telegram-title">Telegram</h2>
      <p className="muted">
        {!me.telegram.linked
          ? 'Link Telegram to check your stats and get race results from our bot.'
          : me.telegram.confirmed
            ? `Linked to ${handle} and confirmed. A new code moves the link to another Telegram account.`
            : `Linked to ${handle}, not confirmed yet.`}
      </p>
      {me.telegram.linked && !me.telegram.confirmed ? <ConfirmLink handle={handle} onConfirmed={refresh} /> : null}
      {linkCode.data ? (
        <div className="callout" aria-live="polite">
          <p>
            Your code: <code className="code-big">{linkCode.data.code}</code>
          </p>
          <ol className="steps">
            <li>Open our bot in Telegram (private chat).</li>
            <li>
              Send <code>/verify {linkCode.data.code}</code>
            </li>
            <li>The bot answers with a confirmation code: enter it here (reload this page first).</li>
          </ol>
          <p className="muted small">
            Valid until {formatDateTime(linkCode.data.expiresAt)}, once. A newer code replaces this one.
          </p>
        </div>
      ) : null}
      <FormError message={linkCode.error?.message ?? unlink.error?.message} />
      <div className="actions">
        <ActionButton className="btn btn-primary" pending={linkCode.isPending} onClick={() => linkCode.mutate()}>
          {linkCode.data ? 'Get a new code' : 'Get a link code'}
        </ActionButton>
        {me.telegram.linked ? (
          <button type="button" className="btn btn-danger" disabled={unlink.isPending} onClick={() => unlink.mutate()}>
            Remove the link
          </button>
        ) : null}
      </div>
    </section>
  );
}

function ConfirmLink({ handle, onConfirmed }: { handle: string; onConfirmed: () => void }) {
  const [draft, setDraft] = useState({ code: '' });
  const confirm = trpc.telegram.confirmLink.useMutation({ onSuccess: onConfirmed });
  const field = draftFields(draft, setDraft, fieldErrors(confirm.error));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate(draft);
  };
  return (
    <div className="callout">
      <p>
        When {handle} sent your link code, our bot answered with a 6-character confirmation code. Enter it to confirm
        the link is yours. If you did not link {handle}, remove the link below: someone else used your code.
      </p>
      <form className="form form-inline" onSubmit={submit} noValidate>
        {field('code', 'Confirmation code', { autoComplete: 'one-time-code' })}
        <SubmitButton pending={confirm.isPending}>Confirm</SubmitButton>
      </form>
      <FormError message={formError(confirm.error, ['code'])} />
    </div>
  );
}
