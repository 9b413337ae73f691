import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ChangePasswordForm } from '../components/ChangePasswordForm';
import { draftFields, FormError, newPassword, SubmitButton } from '../components/Field';
import { fieldErrors, formError } from '../forms';
import { useSessionChanged } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';

/** How to get a reset token: shown on the reset page and reached from "Forgot password?". */
function HowToGetAToken() {
  return (
    <div className="callout">
      <p>
        <strong>Get a one-time reset token first:</strong>
      </p>
      <ul className="steps">
        <li>
          <strong>Telegram linked?</strong> Send <code>/reset</code> to our bot in a private chat; it answers with a
          token.
        </li>
        <li>
          <strong>No Telegram?</strong> Ask an admin: they can issue a token for your account from the users page and
          give it to you.
        </li>
      </ul>
      <p className="muted small">A token works once, for one hour. Resetting signs your account out everywhere.</p>
    </div>
  );
}

/** `/reset`: a one-time token and a new password. */
export function ResetPasswordPage() {
  useTitle('Reset password');
  const [params] = useSearchParams();
  const [draft, setDraft] = useState({ token: params.get('token') ?? '', password: '' });
  const reset = trpc.auth.resetPassword.useMutation({ onSuccess: () => setDraft({ ...draft, password: '' }) });
  const field = draftFields(draft, setDraft, fieldErrors(reset.error));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reset.mutate(draft);
  };

  if (reset.isSuccess) {
    return (
      <section className="card narrow" aria-labelledby="reset-title">
        <h1 id="reset-title">Password changed</h1>
        <p className="success" role="status">
          Your new password is set, and every session of your account was signed out.
        </p>
        <p>
          <Link to="/signin">Sign in with your new password</Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">Reset password</h1>
      <HowToGetAToken />
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(reset.error, ['token', 'password'])} />
        {field('token', 'Reset token', { autoComplete: 'one-time-code', spellCheck: false })}
        {field('password', 'New password', newPassword)}
        <SubmitButton pending={reset.isPending}>Set new password</SubmitButton>
      </form>
      <p className="muted small">
        Remembered it? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}

/** After signing in with a generated password: choose your own before anything else. */
export function ChangeGeneratedPasswordPage() {
  useTitle('Choose your password');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const sessionChanged = useSessionChanged();
  const next = params.get('next');
  return (
    <section className="card narrow" aria-labelledby="choose-title">
      <h1 id="choose-title">Choose your own password</h1>
      <p className="muted">
        This account is still on a password that was generated for it (shown once in the server's output, or by the
        password-reset command). Pick a new one to continue; the generated one stops working.
      </p>
      <ChangePasswordForm
        submitLabel="Save and continue"
        onChanged={async () => {
          // The server now sees a new password: reconnect and refetch everything under it.
          await sessionChanged();
          navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/profile', { replace: true });
        }}
      />
    </section>
  );
}
