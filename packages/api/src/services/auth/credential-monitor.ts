import type { AppDeps, Context } from '../../context';
import type { AppEvents } from '../../events/bus';
import type { Credential, EndReason } from './credential';
import { recheckCredentials } from './credential-recheck';

/** Default period of the database re-check of open connections' credentials. */
export const DEFAULT_RECHECK_MS = 30_000;
/**
 * Revocations are remembered this long, for contexts nobody watches (an HTTP request in flight)
 * and for a connection watched just after the event; watched credentials end at once.
 */
const REMEMBER_MS = 3_600_000;
/** setTimeout's longest delay; later deadlines are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type MonitorDeps = Pick<AppDeps, 'db' | 'bus' | 'log' | 'credentialRecheckMs'>;

/**
 * The one place that knows whether an identity still holds, for every credential kind (a
 * session or an API key):
 *
 * - **events** — `auth.revoked` (sign-out, password change, ban, role change) and
 *   `apiKey.revoked` (revoked, rotated, suspended), from this instance or, over the bus, any
 *   other;
 * - **deadlines** — a key's expiry or the end of its rotation grace, a session's expiry (checked
 *   against the database when it comes, sessions slide);
 * - **the database** — every watched credential is re-checked on a timer and whenever the bus
 *   comes back after an outage, so revocations published while it was down are not lost.
 *
 * `reason(ctx)` answers for any context (the procedure guard asks it on every call); `watch`
 * keeps a long-lived credential under those checks (a WebSocket connection, a subscription, an
 * SSE stream) and ends it — its `signal` aborts — when one of them says so.
 */
export class CredentialMonitor {
  private readonly users = new Map<string, { at: number; reason: EndReason }>();
  private readonly sessions = new Map<string, { at: number; reason: EndReason }>();
  private readonly keys = new Map<number, { at: number; effectiveAt: number; reason: EndReason }>();
  private readonly watched = new Map<Credential, { count: number; timer: NodeJS.Timeout | undefined }>();
  private periodic: NodeJS.Timeout | undefined;
  private rechecking: Promise<void> | null = null;
  private recheckAgain = false;

  constructor(private readonly deps: MonitorDeps) {
    deps.bus.subscribe('auth.revoked', (event) => this.onAuthRevoked(event));
    deps.bus.subscribe('apiKey.revoked', (event) => this.onKeyRevoked(event));
    deps.bus.onReconnect?.(() => void this.recheckAll());
  }

  /** Why the identity behind `ctx` no longer holds, or null while it does. */
  reason(ctx: Pick<Context, 'credential'>): EndReason | null {
    const credential = ctx.credential;
    if (!credential) return null;
    if (credential.ended) return credential.ended;
    const reason = this.knownReason(credential);
    if (reason) credential.end(reason);
    return reason;
  }

  /**
   * Keeps `credential` under every check until the returned release is called (counted: a
   * WebSocket and each of its subscriptions may watch the same credential).
   */
  watch(credential: Credential): () => void {
    if (this.reason({ credential })) return () => {};
    let entry = this.watched.get(credential);
    if (!entry) {
      entry = { count: 0, timer: undefined };
      this.watched.set(credential, entry);
      credential.signal.addEventListener('abort', () => this.forget(credential), { once: true });
      this.arm(credential);
      this.periodic ??= setInterval(() => void this.recheckAll(), this.recheckMs()).unref();
    }
    entry.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.watched.get(credential);
      if (current && --current.count <= 0) this.forget(credential);
    };
  }

  /** Credentials under watch right now (for tests and stats). */
  get watchedCount(): number {
    return this.watched.size;
  }

  /** Re-checks every watched credential against the database (runs are coalesced). */
  recheckAll(): Promise<void> {
    if (this.rechecking) {
      this.recheckAgain = true;
      return this.rechecking;
    }
    this.rechecking = (async () => {
      do {
        this.recheckAgain = false;
        await this.recheck([...this.watched.keys()]);
      } while (this.recheckAgain);
    })().finally(() => {
      this.rechecking = null;
    });
    return this.rechecking;
  }

  private recheckMs(): number {
    return this.deps.credentialRecheckMs ?? DEFAULT_RECHECK_MS;
  }

  /** What the events heard so far and the clock say of a credential. */
  private knownReason(credential: Credential): EndReason | null {
    const source = credential.source;
    const now = Date.now();
    if (source.kind === 'session') {
      const user = this.users.get(source.userId);
      if (user && user.at >= credential.since) return user.reason;
      const session = source.sessionId ? this.sessions.get(source.sessionId) : undefined;
      return session?.reason ?? null;
    }
    const key = this.keys.get(source.keyId);
    if (key && key.effectiveAt <= now) return key.reason;
    const owner = source.ownerId ? this.users.get(source.ownerId) : undefined;
    // A key acts with its owner's rights: a ban or a role change of the owner ends it.
    if (owner && owner.at >= credential.since && (owner.reason === 'banned' || owner.reason === 'role-changed')) {
      return 'suspended';
    }
    // Keys do not slide: their deadline is final (a session's is checked with the database).
    if (credential.deadline && credential.deadline.at <= now) return credential.deadline.reason;
    return null;
  }

  private onAuthRevoked(event: AppEvents['auth.revoked']): void {
    const entry = { at: Date.parse(event.at), reason: event.reason };
    if (event.sessionIds === 'all') this.users.set(event.userId, entry);
    else for (const id of event.sessionIds) this.sessions.set(id, entry);
    this.prune();
    this.applyToWatched();
  }

  private onKeyRevoked(event: AppEvents['apiKey.revoked']): void {
    const effectiveAt = Date.parse(event.effectiveAt);
    this.keys.set(event.keyId, { at: Date.parse(event.at), effectiveAt, reason: event.reason });
    this.prune();
    for (const credential of this.watched.keys()) {
      if (credential.source.kind !== 'apiKey' || credential.source.keyId !== event.keyId) continue;
      // A rotation ends the old key later: its deadline moves forward to the end of the grace.
      if (effectiveAt > Date.now() && (!credential.deadline || effectiveAt < credential.deadline.at)) {
        credential.deadline = { at: effectiveAt, reason: event.reason };
        this.arm(credential);
      }
    }
    this.applyToWatched();
  }

  private applyToWatched(): void {
    for (const credential of [...this.watched.keys()]) {
      const reason = this.knownReason(credential);
      if (reason) credential.end(reason);
    }
  }

  /** A timer at the credential's deadline (re-armed past setTimeout's range). */
  private arm(credential: Credential): void {
    const entry = this.watched.get(credential);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const deadline = credential.deadline;
    if (!deadline) return;
    const delay = Math.min(Math.max(0, deadline.at - Date.now()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => this.deadlineReached(credential), delay).unref();
  }

  private deadlineReached(credential: Credential): void {
    const deadline = credential.deadline;
    if (!deadline || credential.ended) return;
    if (deadline.at > Date.now()) {
      this.arm(credential);
      return;
    }
    // A session slides while it is used elsewhere: the database has the word.
    if (credential.source.kind === 'session') void this.recheck([credential], { failClosed: true });
    else credential.end(deadline.reason);
  }

  private async recheck(credentials: Credential[], options: { failClosed?: boolean } = {}): Promise<void> {
    const open = credentials.filter((c) => !c.ended);
    if (open.length === 0) return;
    let verdicts: Awaited<ReturnType<typeof recheckCredentials>>;
    try {
      verdicts = await recheckCredentials(this.deps.db, open);
    } catch (err) {
      this.deps.log?.warn({ err, credentials: open.length }, 'could not re-check open credentials; will retry');
      // At a deadline that has passed, an unanswerable check ends the credential.
      if (options.failClosed) for (const c of open) if (c.deadline && c.deadline.at <= Date.now()) c.end('expired');
      return;
    }
    for (const [credential, verdict] of verdicts) {
      if ('ended' in verdict) {
        credential.end(verdict.ended);
      } else if (this.watched.has(credential)) {
        credential.deadline = verdict.deadline;
        this.arm(credential);
      }
    }
  }

  private forget(credential: Credential): void {
    const entry = this.watched.get(credential);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.watched.delete(credential);
    if (this.watched.size === 0) {
      clearInterval(this.periodic);
      this.periodic = undefined;
    }
  }

  private prune(): void {
    const before = Date.now() - REMEMBER_MS;
    for (const map of [this.users, this.sessions]) for (const [id, e] of map) if (e.at < before) map.delete(id);
    for (const [id, e] of this.keys) if (Math.max(e.at, e.effectiveAt) < before) this.keys.delete(id);
  }
}

const monitors = new WeakMap<AppDeps['bus'], CredentialMonitor>();

/** The monitor of this bus's instance (one per server; created on first use). */
export function credentialMonitor(deps: MonitorDeps): CredentialMonitor {
  let monitor = monitors.get(deps.bus);
  if (!monitor) {
    monitor = new CredentialMonitor(deps);
    monitors.set(deps.bus, monitor);
  }
  return monitor;
}
