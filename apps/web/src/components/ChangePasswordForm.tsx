import { type FormEvent, useState } from 'react';
import { fieldErrors, formError } from '../forms';
import { trpc } from '../trpc';
import { currentPassword, draftFields, FormError, newPassword, SubmitButton } from './Field';

const empty = { currentPassword: '', newPassword: '' };

/** Current and new password; `onChanged` runs after the server accepted the new one. */
export function ChangePasswordForm({
  onChanged,
  submitLabel = 'Change password',
}: {
  onChanged?: () => void;
  submitLabel?: string;
}) {
  const [draft, setDraft] = useState(empty);
  const change = trpc.auth.changePassword.useMutation({
    onSuccess: () => {
      setDraft(empty);
      onChanged?.();
    },
  });
  const field = draftFields(draft, setDraft, fieldErrors(change.error));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate(draft);
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormError message={formError(change.error, ['currentPassword', 'newPassword'])} />
      <div className="row">
        {field('currentPassword', 'Current password', currentPassword)}
        {field('newPassword', 'New password', newPassword)}
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
