import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ActionButton, draftFields, FormError } from '../../components/Field';
import { formatDateTime } from '../../format';
import { fieldErrors, formError } from '../../forms';
import { type RouterOutputs, trpc } from '../../trpc';

type AdminUser = RouterOutputs['admin']['users']['list']['users'][number];

/**
 * What an admin does for one account beyond role and ban: link or unlink its casino player
 * directly, and hand out a one-time password-reset token.
 */
export function UserTools({ user }: { user: AdminUser }) {
  return (
    <div className="user-tools">
      <PlayerLink user={user} />
      <ResetToken user={user} />
    </div>
  );
}

function PlayerLink({ user }: { user: AdminUser }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState({ uid: '' });
  const refresh = () => void utils.admin.users.list.invalidate();
  const link = trpc.admin.users.linkPlayer.useMutation({
    onSuccess: () => {
      setDraft({ uid: '' });
      refresh();
    },
  });
  const unlink = trpc.admin.users.unlinkPlayer.useMutation({ onSuccess: refresh });
  const field = draftFields(draft, setDraft, fieldErrors(link.error));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    link.mutate({ userId: user.id, ...draft });
  };

  if (user.playerUid) {
    return (
      <div className="panel">
        <p>
          Casino player <Link to={`/players/${encodeURIComponent(user.playerUid)}`}>{user.playerUid}</Link>
        </p>
        <FormError message={unlink.error?.message} />
        <ActionButton
          className="btn btn-small btn-danger"
          pending={unlink.isPending}
          onClick={() => unlink.mutate({ userId: user.id })}
        >
          Unlink player
        </ActionButton>
      </div>
    );
  }
  return (
    <form
      className="panel form form-inline"
      onSubmit={submit}
      noValidate
      aria-label={`Link a player to ${user.username}`}
    >
      <FormError message={formError(link.error, ['uid'])} />
      {field('uid', 'Player id', { hint: 'Links at once, without a claim.', spellCheck: false })}
      <button type="submit" className="btn btn-small" disabled={link.isPending}>
        Link player
      </button>
    </form>
  );
}

function ResetToken({ user }: { user: AdminUser }) {
  const issue = trpc.admin.users.issueResetToken.useMutation();
  return (
    <div className="panel">
      <p className="muted small">
        A one-time token for {user.username} to set a new password at <code>/reset</code> (valid one hour; a newer one
        replaces it). Give it to them privately.
      </p>
      <FormError message={issue.error?.message} />
      {issue.data ? (
        <div className="secret-row" aria-live="polite">
          <code className="secret" data-testid="reset-token">
            {issue.data.token}
          </code>
          <span className="muted small">until {formatDateTime(issue.data.expiresAt)}</span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void navigator.clipboard?.writeText(issue.data?.token ?? '')}
          >
            Copy
          </button>
        </div>
      ) : (
        <ActionButton pending={issue.isPending} onClick={() => issue.mutate({ userId: user.id })}>
          Issue reset token
        </ActionButton>
      )}
    </div>
  );
}
