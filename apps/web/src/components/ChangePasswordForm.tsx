import { type FormEvent, useState } from 'react';
import { errorFor, fieldErrors, formError } from '../forms';
import { trpc } from '../trpc';
import { Field, FormError } from './Field';

/** Current and new password; `onChanged` runs after the server accepted the new one. */
export function ChangePasswordForm({
  onChanged,
  submitLabel = 'Change password',
}: {
  onChanged?: () => void;
  submitLabel?: string;
}) {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = trpc.auth.changePassword.useMutation({
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
      onChanged?.();
    },
  });
  const errors = fieldErrors(change.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate({ currentPassword, newPassword });
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormError message={formError(change.error, ['currentPassword', 'newPassword'])} />
      <div className="row">
        <Field label="Current password" error={errorFor(errors, 'currentPassword')}>
          {(props) => (
            <input
              {...props}
              type="password"
              className="input"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(e) => setCurrentPassword(e.target.value)}
            />
          )}
        </Field>
        <Field label="New password" error={errorFor(errors, 'newPassword')} hint="At least 10 characters.">
          {(props) => (
            <input
              {...props}
              type="password"
              className="input"
              autoComplete="new-password"
              value={newPassword}
              onChange={(e) => setNewPassword(e.target.value)}
            />
          )}
        </Field>
      </div>
      {change.isSuccess ? (
        <p className="success" role="status">
          Password changed. Your other sessions were signed out.
        </p>
      ) : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={change.isPending}>
          {change.isPending ? 'Please wait…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
