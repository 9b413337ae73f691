import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { currentPassword, draftFields, FormError, newPassword, SubmitButton } from '../components/Field';
import { fieldErrors, formError } from '../forms';
import { useMe, useSessionChanged } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';
import { trpc } from '../trpc';

/** Only paths on this site, so a crafted link cannot send people elsewhere after signing in. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/profile';
}

export function SignInPage() {
  return <SignedOutOnly>{<AuthForm mode="signIn" />}</SignedOutOnly>;
}

export function SignUpPage() {
  return <SignedOutOnly>{<AuthForm mode="signUp" />}</SignedOutOnly>;
}

/** Someone already signed in who opens a sign-in link goes where it leads. */
function SignedOutOnly({ children }: { children: ReactNode }) {
  const me = useMe();
  const [params] = useSearchParams();
  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;
  return children;
}

function AuthForm({ mode }: { mode: 'signIn' | 'signUp' }) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const sessionChanged = useSessionChanged();
  const [draft, setDraft] = useState({ username: '', password: '' });
  const onSuccess = async () => {
    await sessionChanged();
    navigate(safeNext(params.get('next')));
  };
  const signIn = trpc.auth.signIn.useMutation({ onSuccess });
  const signUp = trpc.auth.signUp.useMutation({ onSuccess });
  const mutation = mode === 'signIn' ? signIn : signUp;
  const field = draftFields(draft, setDraft, fieldErrors(mutation.error));
  const title = mode === 'signIn' ? 'Sign in' : 'Create an account';
  useTitle(title);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate(draft);
  };

  return (
    <section className="card narrow" aria-labelledby="auth-title">
      <h1 id="auth-title">{title}</h1>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(mutation.error, ['username', 'password'])} />
        {field('username', 'Username', { autoComplete: 'username' })}
        {mode === 'signUp'
          ? field('password', 'Password', newPassword)
          : field('password', 'Password', {
              ...currentPassword,
              hint: 'Forgot it? Get a reset token from our Telegram bot (/reset) or an admin.',
            })}
        <SubmitButton pending={mutation.isPending}>{title}</SubmitButton>
      </form>
      <p className="muted small">
        {mode === 'signIn' ? (
          <>
            <Link to="/reset">Forgot password?</Link> · New here? <Link to="/signup">Create an account</Link>
          </>
        ) : (
          <>
            Have an account? <Link to="/signin">Sign in</Link>
          </>
        )}
      </p>
    </section>
  );
}
