import { lazy, type ReactNode, Suspense } from 'react';
import { Link, Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ConnectionStatus, useTransport } from './components/ConnectionStatus';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Footer } from './components/FrontDoor';
import { NotificationBell } from './components/NotificationBell';
import { Notifications } from './components/Notifications';
import { StaleNotice } from './components/StaleNotice';
import { Empty, NotFound, QueryError, SkeletonRows } from './components/States';
import { useMe, useSessionChanged, useSessionEpoch } from './hooks/useSession';
import { useSiteCurrency } from './hooks/useSiteInfo';
import { SignInPage, SignUpPage } from './routes/AuthPages';
import { HomePage } from './routes/HomePage';
import { HowItWorksPage } from './routes/HowItWorksPage';
import { NotificationsPage } from './routes/NotificationsPage';
import { PlayerPage } from './routes/PlayerPage';
import { ProfilePage } from './routes/ProfilePage';
import { BonusCodesPage, ChallengesPage } from './routes/PromotionsPages';
import { RacePage } from './routes/RacePage';
import { RacesPage } from './routes/RacesPage';
import { ChangeGeneratedPasswordPage, ResetPasswordPage } from './routes/RecoveryPages';
import { VipPage } from './routes/VipPage';
import { type Me, trpc } from './trpc';

// The admin pages load only when visited (and the chart library only where a chart is drawn).
const AdminLayout = lazy(() => import('./routes/admin/AdminLayout').then((m) => ({ default: m.AdminLayout })));

export function App() {
  // Subscriptions are made again (over SSE) if the WebSocket turns out to be blocked, and after
  // signing in or out (the server ends a signed-out session's streams).
  const transport = useTransport();
  const me = useMe();
  const location = useLocation();
  const sessionEpoch = useSessionEpoch();
  useSiteCurrency();
  return (
    <div className="page">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header me={me.data ?? null} />
      <StaleNotice />
      <main id="main" key={`${transport}:${sessionEpoch}`}>
        {me.data?.mustChangePassword && location.pathname !== '/change-password' ? (
          // A generated password is changed before anything else (the server refuses the rest).
          <Navigate to={`/change-password?next=${encodeURIComponent(location.pathname)}`} replace />
        ) : null}
        <ErrorBoundary key={location.pathname} what="this page">
          <Suspense fallback={<SkeletonRows rows={6} />}>
            <Routes>
              <Route path="/" element={<HomePage />} />
              <Route path="/vip" element={<VipPage />} />
              <Route path="/how-it-works" element={<HowItWorksPage />} />
              <Route path="/challenges" element={<ChallengesPage />} />
              <Route path="/bonus-codes" element={<BonusCodesPage />} />
              <Route path="/races" element={<RacesPage />} />
              <Route path="/races/:raceId" element={<RacePage />} />
              <Route path="/players/:uid" element={<PlayerPage />} />
              <Route path="/signin" element={<SignInPage />} />
              <Route path="/signup" element={<SignUpPage />} />
              {/* The addresses people type for these two, kept with their query (`?next=`). */}
              {['/login', '/sign-in'].map((path) => (
                <Route key={path} path={path} element={<SameAs path="/signin" />} />
              ))}
              {['/register', '/sign-up'].map((path) => (
                <Route key={path} path={path} element={<SameAs path="/signup" />} />
              ))}
              <Route path="/reset" element={<ResetPasswordPage />} />
              <Route path="/change-password" element={<SignedIn>{() => <ChangeGeneratedPasswordPage />}</SignedIn>} />
              <Route path="/notifications" element={<SignedIn>{() => <NotificationsPage />}</SignedIn>} />
              <Route path="/profile" element={<SignedIn>{(user) => <ProfilePage me={user} />}</SignedIn>} />
              <Route
                path="/admin/*"
                element={
                  <SignedIn>
                    {(user) =>
                      user.role === 'admin' ? <AdminLayout /> : <Empty>This area is for administrators only.</Empty>
                    }
                  </SignedIn>
                }
              />
              <Route path="*" element={<NotFound>There is nothing at this address.</NotFound>} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
        {me.data && !me.data.mustChangePassword ? <Notifications /> : null}
      </main>
      <Footer />
    </div>
  );
}

/** Another address of `path`: replaced by it in the history, the query kept. */
function SameAs({ path }: { path: string }) {
  const { search } = useLocation();
  return <Navigate to={{ pathname: path, search }} replace />;
}

/** Renders its children with the signed-in user, or sends visitors to sign in (and back). */
function SignedIn({ children }: { children: (me: Me) => ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <SkeletonRows rows={4} />;
  if (me.isError) return <QueryError error={me.error} what="your account" retry={() => void me.refetch()} />;
  if (!me.data) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname)}`} replace />;
  return children(me.data);
}

function Header({ me }: { me: Me | null }) {
  const navigate = useNavigate();
  const sessionChanged = useSessionChanged();
  const signOut = trpc.auth.signOut.useMutation({
    // Home first, then the refetch: a page left behind while every query is fetched again must not
    // send someone who has already moved on (to the sign-in page, say) back home.
    onSuccess: async () => {
      navigate('/');
      await sessionChanged();
    },
  });
  return (
    <header className="header">
      <div className="header-top">
        <Link to="/" className="title">
          Goated <span className="accent">VIPs</span>
        </Link>
        <div className="header-tools">
          {me && !me.mustChangePassword ? <NotificationBell /> : null}
          <ConnectionStatus />
        </div>
      </div>
      <nav className="nav" aria-label="Main">
        <NavLink to="/" end>
          Leaderboard
        </NavLink>
        <NavLink to="/races">Races</NavLink>
        <NavLink to="/vip">VIP</NavLink>
        <NavLink to="/how-it-works" className="hide-narrow">
          How it works
        </NavLink>
        {me ? <NavLink to="/profile">Profile</NavLink> : null}
        {me?.role === 'admin' ? <NavLink to="/admin">Admin</NavLink> : null}
        <span className="nav-spacer" />
        {me ? (
          <>
            <span className="muted small nav-user">{me.username}</span>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => signOut.mutate()}
              disabled={signOut.isPending}
            >
              Sign out
            </button>
          </>
        ) : (
          <>
            <NavLink to="/signin">Sign in</NavLink>
            <NavLink to="/signup">Sign up</NavLink>
          </>
        )}
      </nav>
    </header>
  );
}
