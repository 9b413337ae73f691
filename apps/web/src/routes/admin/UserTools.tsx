import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { FormError, TextField } from '../../components/Field';
import { formatDateTime } from '../../format';
import { errorFor, fieldErrors, formError } from '../../forms';
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
  const [uid, setUid] = useState('');
  const refresh = () => void utils.admin.users.list.invalidate();
  const link = trpc.admin.users.linkPlayer.useMutation({
    onSuccess: () => {
      setUid('');
      refresh();
    },
  });
  const unlink = trpc.admin.users.unlinkPlayer.useMutation({ onSuccess: refresh });
  const errors = fieldErrors(link.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    link.mutate({ userId: user.id, uid });
  };

  if (user.playerUid) {
    return (
      <div className="panel">
        <p>
          Casino player <Link to={`/players/${encodeURIComponent(user.playerUid)}`}>{user.playerUid}</Link>
        </p>
        <FormError message={unlink.error?.message} />
        <button
          type="button"
          className="btn btn-small btn-danger"
          disabled={unlink.isPending}
          onClick={() => unlink.mutate({ userId: user.id })}
        >
          Unlink player
        </button>
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
      <TextField
        label="Player id"
        error={errorFor(errors, 'uid')}
        hint="Links at once, without a claim."
        name="uid"
        spellCheck={false}
        value={uid}
        onChange={setUid}
      />
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
        <button
          type="button"
          className="btn btn-small"
          disabled={issue.isPending}
          onClick={() => issue.mutate({ userId: user.id })}
        >
          Issue reset token
        </button>
      )}
    </div>
  );
}
