/**
 * Whether an API key holds right now — one set of rules for the first check of a request
 * (`verifyApiKey`) and for every later re-check of a long-lived connection (credential-monitor).
 *
 * A key acts with at most its owner's current rights: keys are made only by admins, so a key
 * whose owner is banned or no longer an admin is `suspended` — at once, by this rule, and for
 * good by `suspendKeysOwnedBy` when the demotion or ban is made. A key with no owner is a system
 * key (made by a bootstrap path outside the router; none ships): it holds its scopes until it is
 * revoked, expires or is rotated away.
 */
import { type Db, schema, type Tx } from '@goated/db';
import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { ApiKeyIdentity } from '../../context';
import { type AuditActor, recordAudit } from '../audit';
import type { Deadline } from './credential';
import { sha256 } from './credentials';

const { apiKeys, users, auditLog } = schema;

export type ApiKeyStatus = 'active' | 'grace' | 'rotated' | 'revoked' | 'expired' | 'suspended';
export type ApiKeyRow = typeof apiKeys.$inferSelect;
/** The owner's standing, or null for a system key. */
export type KeyOwner = { role: 'user' | 'admin'; banned: boolean } | null;
export interface KeyStanding {
  row: ApiKeyRow;
  owner: KeyOwner;
}

export function keyStatus(row: ApiKeyRow, owner: KeyOwner, now: Date): ApiKeyStatus {
  if (row.revokedAt) return 'revoked';
  if (row.suspendedAt) return 'suspended';
  if (owner && (owner.banned || owner.role !== 'admin')) return 'suspended';
  if (row.expiresAt && row.expiresAt <= now) return 'expired';
  if (row.replacedById !== null) return row.graceUntil && row.graceUntil > now ? 'grace' : 'rotated';
  return 'active';
}

/** When a key that holds now stops holding by the clock: its expiry, or the end of its grace. */
export function keyDeadline(row: ApiKeyRow): Deadline | null {
  const grace = row.replacedById !== null && row.graceUntil ? row.graceUntil.getTime() : Number.POSITIVE_INFINITY;
  const expiry = row.expiresAt ? row.expiresAt.getTime() : Number.POSITIVE_INFINITY;
  if (grace === Number.POSITIVE_INFINITY && expiry === Number.POSITIVE_INFINITY) return null;
  return grace < expiry ? { at: grace, reason: 'rotated' } : { at: expiry, reason: 'expired' };
}

/** Keys with their owners' standing, for the re-checks of open connections. */
export async function loadKeyStandings(db: Db, ids: number[]): Promise<Map<number, KeyStanding>> {
  const found = new Map<number, KeyStanding>();
  if (ids.length === 0) return found;
  const rows = await db
    .select({ key: apiKeys, ownerRole: users.role, ownerBanned: users.banned })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(inArray(apiKeys.id, ids));
  for (const r of rows) {
    const owner: KeyOwner =
      r.ownerRole === null || r.ownerBanned === null ? null : { role: r.ownerRole, banned: r.ownerBanned };
    found.set(r.key.id, { row: r.key, owner });
  }
  return found;
}

export type ApiKeyCheck =
  | { ok: true; identity: ApiKeyIdentity; deadline: Deadline | null }
  | { ok: false; reason: 'unknown' | ApiKeyStatus };

/** Checks a presented key. Usage time is recorded at most once a minute per key. */
export async function verifyApiKey(db: Db, key: string, ip: string | null): Promise<ApiKeyCheck> {
  const [found] = await db
    .select({ key: apiKeys, ownerRole: users.role, ownerBanned: users.banned })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(eq(apiKeys.keyHash, sha256(key)));
  if (!found) return { ok: false, reason: 'unknown' };
  const row = found.key;
  const owner: KeyOwner =
    found.ownerRole === null || found.ownerBanned === null
      ? null
      : { role: found.ownerRole, banned: found.ownerBanned };
  const status = keyStatus(row, owner, new Date());
  if (status !== 'active' && status !== 'grace') {
    await recordDenied(db, row.id, ip, status);
    return { ok: false, reason: status };
  }
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, row.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
      ),
    );
  return {
    ok: true,
    identity: { id: row.id, name: row.name, scopes: row.scopes, ownerId: row.createdBy },
    deadline: keyDeadline(row),
  };
}

/**
 * A refused key is audited once per key, address and hour: the first refusal writes the row,
 * later ones count on it (`details.count`, `details.lastAt`), so a flood of attempts costs one row.
 */
async function recordDenied(db: Db, keyId: number, ip: string | null, status: ApiKeyStatus): Promise<void> {
  const counted = await db
    .update(auditLog)
    .set({
      details: sql`jsonb_set(jsonb_set(coalesce(${auditLog.details}, '{}'::jsonb), '{count}',
        to_jsonb(coalesce((${auditLog.details} ->> 'count')::bigint, 1) + 1)), '{lastAt}', to_jsonb(now()))`,
    })
    .where(
      and(
        eq(auditLog.action, 'apiKey.denied'),
        eq(auditLog.targetId, String(keyId)),
        sql`${auditLog.ip} is not distinct from ${ip}`,
        gt(auditLog.createdAt, sql`now() - interval '1 hour'`),
      ),
    )
    .returning({ id: auditLog.id });
  if (counted.length > 0) return;
  await recordAudit(
    db,
    { userId: null, apiKeyId: keyId, ip },
    { action: 'apiKey.denied', targetType: 'apiKey', targetId: keyId, details: { status, count: 1 } },
  );
}

/**
 * Disables, for good, the keys owned by users who lost the admin role or were banned, in the
 * caller's transaction, each with an audit row. Returns the ids (the caller tells open
 * connections once the transaction has committed).
 */
export async function suspendKeysOwnedBy(
  tx: Tx,
  actor: AuditActor,
  ownerIds: string[],
  reason: 'owner-banned' | 'owner-demoted',
): Promise<number[]> {
  if (ownerIds.length === 0) return [];
  const suspended = await tx
    .update(apiKeys)
    .set({ suspendedAt: sql`now()`, suspendedReason: reason })
    .where(and(inArray(apiKeys.createdBy, ownerIds), isNull(apiKeys.revokedAt), isNull(apiKeys.suspendedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name, ownerId: apiKeys.createdBy });
  for (const key of suspended) {
    await recordAudit(tx, actor, {
      action: 'apiKey.suspend',
      targetType: 'apiKey',
      targetId: key.id,
      details: { name: key.name, ownerId: key.ownerId, reason },
    });
  }
  return suspended.map((k) => k.id);
}
