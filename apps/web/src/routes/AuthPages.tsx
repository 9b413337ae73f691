import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { FormError, SubmitButton, TextField } from '../components/Field';
import { errorFor, fieldErrors, formError } from '../forms';
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
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const onSuccess = async () => {
    await sessionChanged();
    navigate(safeNext(params.get('next')));
  };
  const signIn = trpc.auth.signIn.useMutation({ onSuccess });
  const signUp = trpc.auth.signUp.useMutation({ onSuccess });
  const mutation = mode === 'signIn' ? signIn : signUp;
  const errors = fieldErrors(mutation.error);
  const title = mode === 'signIn' ? 'Sign in' : 'Create an account';
  useTitle(title);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate({ username, password });
  };

  return (
    <section className="card narrow" aria-labelledby="auth-title">
      <h1 id="auth-title">{title}</h1>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError(mutation.error, ['username', 'password'])} />
        <TextField
          label="Username"
          error={errorFor(errors, 'username')}
          name="username"
          autoComplete="username"
          value={username}
          onChange={setUsername}
        />
        <TextField
          label="Password"
          error={errorFor(errors, 'password')}
          hint={
            mode === 'signUp'
              ? 'At least 10 characters.'
              : 'Forgot it? Get a reset token from our Telegram bot (/reset) or an admin.'
          }
          name="password"
          type="password"
          autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
          value={password}
          onChange={setPassword}
        />
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
