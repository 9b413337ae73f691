import { NavLink, Route, Routes, useLocation } from 'react-router';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { useTitle } from '../../hooks/useTitle';
import { ApiKeysAdmin } from './ApiKeysAdmin';
import { AuditAdmin } from './AuditAdmin';
import { BonusAdmin } from './BonusAdmin';
import { ChallengesAdmin } from './ChallengesAdmin';
import { ClaimsAdmin } from './ClaimsAdmin';
import { HealthAdmin } from './HealthAdmin';
import { LogsAdmin } from './LogsAdmin';
import { OverviewAdmin } from './OverviewAdmin';
import { RacesAdmin } from './RacesAdmin';
import { UpstreamAdmin } from './UpstreamAdmin';
import { UsersAdmin } from './UsersAdmin';
import { VipAdmin } from './VipAdmin';

const sections = [
  { path: '', label: 'Overview' },
  { path: 'users', label: 'Users' },
  { path: 'claims', label: 'Claims' },
  { path: 'races', label: 'Races' },
  { path: 'challenges', label: 'Challenges' },
  { path: 'bonus', label: 'Bonus codes' },
  { path: 'vip', label: 'VIP tiers' },
  { path: 'api-keys', label: 'API keys' },
  { path: 'logs', label: 'Sync & logs' },
  { path: 'upstream', label: 'Upstream' },
  { path: 'health', label: 'Health' },
  { path: 'audit', label: 'Audit log' },
] as const;

export function AdminLayout() {
  const { pathname } = useLocation();
  const section = sections.find((s) =>
    s.path ? pathname.startsWith(`/admin/${s.path}`) : /^\/admin\/?$/.test(pathname),
  );
  useTitle(section ? `${section.label} · Admin` : 'Admin');
  return (
    <div className="stack">
      <nav className="subnav" aria-label="Admin">
        {sections.map((s) => (
          <NavLink key={s.path} to={s.path ? `/admin/${s.path}` : '/admin'} end={!s.path}>
            {s.label}
          </NavLink>
        ))}
      </nav>
      <ErrorBoundary what="this admin page">
        <Routes>
          <Route index element={<OverviewAdmin />} />
          <Route path="users" element={<UsersAdmin />} />
          <Route path="claims" element={<ClaimsAdmin />} />
          <Route path="races" element={<RacesAdmin />} />
          <Route path="challenges" element={<ChallengesAdmin />} />
          <Route path="bonus" element={<BonusAdmin />} />
          <Route path="vip" element={<VipAdmin />} />
          <Route path="api-keys" element={<ApiKeysAdmin />} />
          <Route path="logs" element={<LogsAdmin />} />
          <Route path="upstream" element={<UpstreamAdmin />} />
          <Route path="health" element={<HealthAdmin />} />
          <Route path="audit" element={<AuditAdmin />} />
        </Routes>
      </ErrorBoundary>
    </div>
  );
}
