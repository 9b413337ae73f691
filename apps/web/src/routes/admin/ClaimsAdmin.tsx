import { useState } from 'react';
import { Link } from 'react-router';
import { FormError } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { PlayerName } from '../../components/PlayerName';
import { QueryBoundary } from '../../components/QueryBoundary';
import { Empty } from '../../components/States';
import { Tabs } from '../../components/Tabs';
import { formatDateTime, formatMoney, playerNameText } from '../../format';
import { type RouterOutputs, trpc } from '../../trpc';
import { periodTabs } from '../LeaderboardPage';

type Claim = RouterOutputs['admin']['claims']['list']['claims'][number];
type Status = Claim['status'] | undefined;

const filters = [
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
  { value: undefined, label: 'All' },
] as const satisfies readonly { value: Status; label: string }[];

const DAY_MS = 86_400_000;

function accountAge(createdAt: Date): string {
  const days = Math.floor((Date.now() - createdAt.getTime()) / DAY_MS);
  if (days < 1) return 'joined today';
  return days === 1 ? 'joined yesterday' : `joined ${days} days ago`;
}

/** The queue of player claims: everything a reviewer weighs, and approve / reject with a reason. */
export function ClaimsAdmin() {
  const [status, setStatus] = useState<Status>('pending');
  return (
    <section className="card" aria-labelledby="claims-title">
      <div className="card-head">
        <h1 id="claims-title">Player claims</h1>
        <span className="muted small">{status === 'pending' ? 'Oldest first' : 'Newest first'}</span>
      </div>
      <Tabs legend="Status" options={filters} value={status} onChange={setStatus} />
      <QueryBoundary what="claims" resetKeys={[status]} loading={{ rows: 4, label: 'Loading claims' }}>
        <ClaimList status={status} />
      </QueryBoundary>
    </section>
  );
}

function ClaimList({ status }: { status: Status }) {
  const [claims, query] = trpc.admin.claims.list.useSuspenseInfiniteQuery(
    { status, limit: 20 },
    { getNextPageParam: (page) => page.nextCursor, refetchInterval: 30_000 },
  );
  const rows = claims.pages.flatMap((page) => page.claims);
  return (
    <>
      {rows.length === 0 ? (
        <Empty>{status === 'pending' ? 'No claim is waiting for review.' : 'No claims here.'}</Empty>
      ) : (
        <ul className="plain claims">
          {rows.map((claim) => (
            <ClaimReview key={claim.id} claim={claim} />
          ))}
        </ul>
      )}
      <LoadMore query={query} />
    </>
  );
}

function ClaimReview({ claim }: { claim: Claim }) {
  const utils = trpc.useUtils();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const done = () => void utils.admin.claims.list.invalidate();
  const approve = trpc.admin.claims.approve.useMutation({ onSuccess: done });
  const reject = trpc.admin.claims.reject.useMutation({ onSuccess: done });
  const reasonError = reject.error?.data?.zodIssues?.find((i) => i.path[0] === 'reason')?.message;
  const busy = approve.isPending || reject.isPending;
  const heading = `${claim.user.username} → ${playerNameText(claim.player.name)}`;

  return (
    <li className="panel claim" data-claim-id={claim.id} aria-label={heading}>
      <div className="claim-head">
        <h2 className="claim-title">
          <span>{claim.user.username}</span> <span className="muted">claims</span>{' '}
          <Link to={`/players/${encodeURIComponent(claim.player.uid)}`}>
            <PlayerName name={claim.player.name} />
          </Link>
        </h2>
        <span className={`badge badge-${claim.status}`}>{claim.status}</span>
      </div>
      <dl className="facts claim-facts">
        <div>
          <dt>Account</dt>
          <dd>
            {accountAge(claim.user.createdAt)}
            {claim.user.banned ? <span className="badge badge-cancelled"> banned</span> : null}
          </dd>
        </div>
        <div>
          <dt>Telegram</dt>
          <dd>
            {claim.user.telegram.linked
              ? claim.user.telegram.username
                ? `@${claim.user.telegram.username}`
                : 'linked'
              : 'not linked'}
          </dd>
        </div>
        <div>
          <dt>Claimed</dt>
          <dd>
            {claim.method === 'uid' ? 'by player id' : `as “${claim.claimedAs}”`}
            <span className="muted small"> · {formatDateTime(claim.createdAt)}</span>
          </dd>
        </div>
        <div>
          <dt>Player id</dt>
          <dd className="mono">{claim.player.uid}</dd>
        </div>
      </dl>
      {claim.figures ? (
        <dl className="facts facts-4 claim-figures" aria-label="The player's figures">
          {periodTabs.map((tab) => {
            const stats = claim.figures?.periods[tab.period];
            return (
              <div key={tab.period}>
                <dt>{tab.label}</dt>
                <dd>
                  {formatMoney(stats?.wagered ?? '0.00')}
                  <span className="muted small"> {stats?.rank ? `#${stats.rank}` : 'unranked'}</span>
                </dd>
              </div>
            );
          })}
        </dl>
      ) : (
        <p className="muted small">The feed no longer reports this player.</p>
      )}
      {claim.linkedTo ? <p className="warning-text">Already linked to {claim.linkedTo.username}.</p> : null}
      {claim.otherClaims.length > 0 ? (
        <p className="small">
          Other claims on this player:{' '}
          {claim.otherClaims.map((c, i) => (
            <span key={c.id}>
              {i > 0 ? ', ' : ''}
              {c.username} <span className={`badge badge-${c.status}`}>{c.status}</span>
            </span>
          ))}
        </p>
      ) : null}
      {claim.status === 'rejected' && claim.reason ? (
        <p className="small">
          Reason: <q>{claim.reason}</q>
        </p>
      ) : null}
      {claim.reviewedBy ? (
        <p className="muted small">
          Reviewed by {claim.reviewedBy}
          {claim.reviewedAt ? ` on ${formatDateTime(claim.reviewedAt)}` : ''}
        </p>
      ) : null}
      <FormError message={approve.error?.message ?? (reasonError ? undefined : reject.error?.message)} />
      {claim.status === 'pending' ? (
        rejecting ? (
          <form
            className="form form-inline"
            aria-label={`Reject the claim of ${claim.user.username}`}
            onSubmit={(e) => {
              e.preventDefault();
              reject.mutate({ id: claim.id, reason });
            }}
            noValidate
          >
            <div className={reasonError ? 'field field-invalid' : 'field'}>
              <label htmlFor={`reason-${claim.id}`}>Reason (the user reads it)</label>
              <input
                id={`reason-${claim.id}`}
                className="input"
                value={reason}
                maxLength={500}
                aria-invalid={Boolean(reasonError)}
                aria-describedby={reasonError ? `reason-${claim.id}-error` : undefined}
                onChange={(e) => setReason(e.target.value)}
              />
              {reasonError ? (
                <span id={`reason-${claim.id}-error`} className="field-error" role="alert">
                  {reasonError}
                </span>
              ) : null}
            </div>
            <div className="actions">
              <button type="submit" className="btn btn-danger" disabled={busy}>
                Confirm reject
              </button>
              <button type="button" className="btn" onClick={() => setRejecting(false)}>
                Back
              </button>
            </div>
          </form>
        ) : (
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy || claim.linkedTo !== null}
              onClick={() => approve.mutate({ id: claim.id })}
            >
              Approve
            </button>
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setRejecting(true)}>
              Reject…
            </button>
          </div>
        )
      ) : null}
    </li>
  );
}
