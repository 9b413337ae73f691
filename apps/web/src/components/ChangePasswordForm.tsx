import { type FormEvent, useState } from 'react';
import { errorFor, fieldErrors, formError } from '../forms';
import { trpc } from '../trpc';
import { FormError, SubmitButton, TextField } from './Field';

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
        <TextField
          label="Current password"
          error={errorFor(errors, 'currentPassword')}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={setCurrentPassword}
        />
        <TextField
          label="New password"
          error={errorFor(errors, 'newPassword')}
          hint="At least 10 characters."
          name="newPassword"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={setNewPassword}
        />
      </div>
      {change.isSuccess ? (
        <p className="success" role="status">
          Password changed. Your other sessions were signed out.
        </p>
      ) : null}
      <div>
        <SubmitButton pending={change.isPending}>{submitLabel}</SubmitButton>
      </div>
    </form>
  );
}
