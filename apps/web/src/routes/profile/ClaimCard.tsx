import { type FormEvent, useState } from 'react';
import { Field, FormError, SubmitButton } from '../../components/Field';
import { PlayerName } from '../../components/PlayerName';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Tabs } from '../../components/Tabs';
import { formatDateTime } from '../../format';
import { errorFor, fieldErrors, formError } from '../../forms';
import { trpc } from '../../trpc';

type ClaimBy = 'name' | 'uid';

/**
 * "Claim your casino player" for an account with no player yet: the claim's state (pending,
 * rejected with the reason) and the form to file one, by casino username or player id.
 */
export function ClaimCard() {
  return (
    <section className="card" aria-labelledby="claim-title">
      <h2 id="claim-title">Your casino player</h2>
      <p className="muted">
        Link the casino account you play with to see your own standing here, on the leaderboards and in the bot, and to
        get race notices. An admin checks each claim.
      </p>
      <QueryBoundary what="your claim" loading={{ rows: 2, label: 'Loading your claim' }}>
        <ClaimState />
      </QueryBoundary>
    </section>
  );
}

/** A pending claim, or the form (under the reason a rejected one was refused for). */
function ClaimState() {
  const [claim] = trpc.account.claim.useSuspenseQuery();
  if (claim.status === 'pending') return <PendingClaim name={claim.player.name} since={claim.createdAt} />;
  return (
    <>
      {claim.status === 'rejected' ? (
        <div className="callout callout-danger" role="status">
          <p>
            Your claim to{' '}
            <strong>
              <PlayerName name={claim.player.name} />
            </strong>{' '}
            was rejected
            {claim.reviewedAt ? ` on ${formatDateTime(claim.reviewedAt)}` : ''}:
          </p>
          <blockquote className="reason">{claim.reason ?? 'No reason was given.'}</blockquote>
          <p className="muted small">You can claim again below.</p>
        </div>
      ) : null}
      <ClaimForm />
    </>
  );
}

function PendingClaim({ name, since }: { name: string; since: Date }) {
  const utils = trpc.useUtils();
  const cancel = trpc.account.cancelClaim.useMutation({ onSuccess: () => void utils.account.claim.invalidate() });
  return (
    <div className="callout" role="status" data-claim="pending">
      <p>
        <span className="badge badge-pending">pending</span> You claimed <strong>{name}</strong> on{' '}
        {formatDateTime(since)}. An admin will review it; you will be notified here and on Telegram if it is linked.
      </p>
      <FormError message={cancel.error?.message} />
      <button type="button" className="btn btn-small" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
        Cancel the claim
      </button>
    </div>
  );
}

function ClaimForm() {
  const utils = trpc.useUtils();
  const [by, setBy] = useState<ClaimBy>('name');
  const [value, setValue] = useState('');
  const file = trpc.account.claimPlayer.useMutation({
    onSuccess: () => {
      setValue('');
      void utils.account.claim.invalidate();
    },
  });
  const errors = fieldErrors(file.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    file.mutate(by === 'name' ? { name: value } : { uid: value });
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Claim your casino player">
      <Tabs
        legend="Claim by"
        options={[
          { value: 'name', label: 'By casino username' },
          { value: 'uid', label: 'By player id' },
        ]}
        value={by}
        onChange={setBy}
      />
      <FormError message={formError(file.error, ['name', 'uid'])} />
      <Field
        label={by === 'name' ? 'Casino username' : 'Player id'}
        error={errorFor(errors, by)}
        hint={
          by === 'name'
            ? 'Exactly as the casino shows it (any upper or lower case).'
            : 'The 20-character id from the casino, if an admin gave it to you.'
        }
      >
        {(props) => (
          <input
            {...props}
            className="input"
            name={by}
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        )}
      </Field>
      <div>
        <SubmitButton pending={file.isPending} pendingLabel="Sending…">
          Claim this player
        </SubmitButton>
      </div>
    </form>
  );
}
