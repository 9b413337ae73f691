import { type Db, schema } from '@goated/db';
import { inArray } from 'drizzle-orm';
import { type KeyStanding, keyDeadline, keyStatus, loadKeyStandings } from './api-key-standing';
import type { Credential, Deadline, EndReason } from './credential';

const { sessions, users } = schema;

/** What the database says of a credential now: ended, or holding until its (new) deadline. */
export type Verdict = { ended: EndReason } | { deadline: Deadline | null };

/** Ids per query: well under PostgreSQL's parameter limit. */
const CHUNK = 1000;

async function inChunks<T, R>(items: T[], load: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await load(items.slice(i, i + CHUNK))));
  return out;
}

/**
 * Re-validates credentials against the database — the same rules as the first check of a
 * request: a session must still exist, unexpired, its user unbanned and in the same role; a key
 * must be active or in its grace period, its owner an unbanned admin. A few queries for any
 * number of credentials.
 */
export async function recheckCredentials(db: Db, credentials: Credential[], now = new Date()) {
  const sessionIds = new Set<string>();
  const userIds = new Set<string>();
  const keyIds = new Set<number>();
  for (const c of credentials) {
    if (c.source.kind === 'session') {
      userIds.add(c.source.userId);
      if (c.source.sessionId) sessionIds.add(c.source.sessionId);
    } else {
      keyIds.add(c.source.keyId);
    }
  }
  const sessionRows = await inChunks([...sessionIds], (ids) =>
    db.select({ id: sessions.id, expiresAt: sessions.expiresAt }).from(sessions).where(inArray(sessions.id, ids)),
  );
  const userRows = await inChunks([...userIds], (ids) =>
    db.select({ id: users.id, role: users.role, banned: users.banned }).from(users).where(inArray(users.id, ids)),
  );
  const keys = new Map<number, KeyStanding>();
  for (const found of await inChunks([...keyIds], async (ids) => [await loadKeyStandings(db, ids)])) {
    for (const [id, standing] of found) keys.set(id, standing);
  }
  const sessionById = new Map(sessionRows.map((s) => [s.id, s]));
  const userById = new Map(userRows.map((u) => [u.id, u]));

  const verdicts = new Map<Credential, Verdict>();
  for (const c of credentials) {
    const source = c.source;
    if (source.kind === 'session') {
      const user = userById.get(source.userId);
      const session = source.sessionId ? sessionById.get(source.sessionId) : undefined;
      if (!user) verdicts.set(c, { ended: 'signed-out' });
      else if (user.banned) verdicts.set(c, { ended: 'banned' });
      else if (user.role !== source.role) verdicts.set(c, { ended: 'role-changed' });
      else if (source.sessionId && !session) verdicts.set(c, { ended: 'signed-out' });
      else if (session && session.expiresAt <= now) verdicts.set(c, { ended: 'expired' });
      else verdicts.set(c, { deadline: session ? { at: session.expiresAt.getTime(), reason: 'expired' } : null });
      continue;
    }
    const key = keys.get(source.keyId);
    if (!key) {
      verdicts.set(c, { ended: 'revoked' });
      continue;
    }
    const status = keyStatus(key.row, key.owner, now);
    if (status === 'active' || status === 'grace') verdicts.set(c, { deadline: keyDeadline(key.row) });
    else verdicts.set(c, { ended: status });
  }
  return verdicts;
}
