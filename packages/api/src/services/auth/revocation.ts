import { TRPCError } from '@trpc/server';
import type { AppEvents, EventBus } from '../../events/bus';

type Revoked = AppEvents['auth.revoked'];

/**
 * Remembers recent `auth.revoked` events so long-lived contexts (a WebSocket's, created once
 * per connection) stop acting for a session that has ended. Entries older than the longest
 * connection we care about are pruned.
 */
class RevocationRegistry {
  private readonly users = new Map<string, { at: number; reason: Revoked['reason'] }>();
  private readonly sessions = new Map<string, { at: number; reason: Revoked['reason'] }>();

  constructor(bus: EventBus) {
    bus.subscribe('auth.revoked', (event) => this.record(event));
  }

  record(event: Revoked): void {
    const entry = { at: Date.parse(event.at), reason: event.reason };
    if (event.sessionIds === 'all') this.users.set(event.userId, entry);
    else for (const id of event.sessionIds) this.sessions.set(id, entry);
    this.prune(entry.at - 7 * 24 * 3_600_000);
  }

  /** Why the identity (authenticated at `since`) no longer holds, or null while it does. */
  reason(userId: string, sessionId: string | null, since: number): Revoked['reason'] | null {
    const user = this.users.get(userId);
    if (user && user.at >= since) return user.reason;
    const session = sessionId ? this.sessions.get(sessionId) : undefined;
    return session ? session.reason : null;
  }

  private prune(before: number): void {
    for (const map of [this.users, this.sessions]) {
      for (const [key, entry] of map) if (entry.at < before) map.delete(key);
    }
  }
}

const registries = new WeakMap<EventBus, RevocationRegistry>();

export function revocations(bus: EventBus): RevocationRegistry {
  let registry = registries.get(bus);
  if (!registry) {
    registry = new RevocationRegistry(bus);
    registries.set(bus, registry);
  }
  return registry;
}

export function revokedError(reason: Revoked['reason']): TRPCError {
  return reason === 'banned'
    ? new TRPCError({ code: 'FORBIDDEN', message: 'This account is banned' })
    : new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session has ended; sign in again' });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Passes a subscription's events through until the session behind it is revoked, then ends it
 * with the reason as an error (a banned user's open streams close at once).
 */
export function endOnRevoke(
  source: unknown,
  bus: EventBus,
  identity: { userId: string; sessionId: string | null; since: number },
): unknown {
  if (!isAsyncIterable(source)) return source;
  return (async function* () {
    let onRevoke: (reason: Revoked['reason']) => void = () => {};
    const revoked = new Promise<{ revoked: Revoked['reason'] }>((resolve) => {
      onRevoke = (reason) => resolve({ revoked: reason });
    });
    const unsubscribe = bus.subscribe('auth.revoked', (event) => {
      if (event.userId !== identity.userId) return;
      if (event.sessionIds === 'all' || (identity.sessionId && event.sessionIds.includes(identity.sessionId))) {
        onRevoke(event.reason);
      }
    });
    const iterator = source[Symbol.asyncIterator]();
    let finished = false;
    try {
      const already = revocations(bus).reason(identity.userId, identity.sessionId, identity.since);
      if (already) throw revokedError(already);
      for (;;) {
        const next = await Promise.race([iterator.next(), revoked]);
        if ('revoked' in next) throw revokedError(next.revoked);
        if (next.done) {
          finished = true;
          return;
        }
        yield next.value;
      }
    } finally {
      unsubscribe();
      // Not awaited: the source may be parked on an await that only its abort signal ends.
      if (!finished) void iterator.return?.();
    }
  })();
}
