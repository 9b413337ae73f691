import { type ApiKeyScope, type Db, schema, type Tx } from '@goated/db';
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps, Context } from '../../context';
import { ConflictError, notFound } from '../../errors';
import { type AuditActor, actorOf, recordAudit } from '../audit';
import { type ApiKeyRow, type ApiKeyStatus, type KeyOwner, keyStatus } from './api-key-standing';
import { generateSecret, sha256 } from './credentials';

export type { ApiKeyStatus } from './api-key-standing';

const { apiKeys, users } = schema;

/** Recognizable in logs and secret scanners; never stored, only its hash. */
export const API_KEY_PREFIX = 'gvk_';
const HOUR_MS = 3_600_000;

export const apiKeyScopeSchema = z.enum(['bot', 'ingest', 'read', 'admin']);

export const apiKeyCreateInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  scopes: z
    .array(apiKeyScopeSchema)
    .min(1, 'choose at least one scope')
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z
    .date()
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .nullish(),
});

export const apiKeyIdInput = z.object({ id: z.number().int().positive() });

export const apiKeyRotateInput = z.object({
  id: z.number().int().positive(),
  /** How long the old key keeps working, so deployments can switch over. */
  graceHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 7)
    .default(24),
});

export interface ApiKeySummary {
  id: number;
  name: string;
  /** The first characters of the key, to tell keys apart. */
  prefix: string;
  scopes: ApiKeyScope[];
  status: ApiKeyStatus;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  graceUntil: Date | null;
  replacedById: number | null;
  /** The admin whose rights the key acts with; null for a system key. */
  owner: { id: string; username: string } | null;
  /** Why it was suspended (`owner-banned`, `owner-demoted`), when it was. */
  suspendedReason: string | null;
}

type OwnerView = { id: string; username: string; role: 'user' | 'admin'; banned: boolean } | null;

function toSummary(row: ApiKeyRow, owner: OwnerView, now = new Date()): ApiKeySummary {
  const standing: KeyOwner = owner ? { role: owner.role, banned: owner.banned } : null;
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    status: keyStatus(row, standing, now),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    graceUntil: row.graceUntil,
    replacedById: row.replacedById,
    owner: owner ? { id: owner.id, username: owner.username } : null,
    suspendedReason: row.suspendedReason,
  };
}

async function ownerView(db: Db | Tx, id: string | null): Promise<OwnerView> {
  if (!id) return null;
  const [row] = await db
    .select({ id: users.id, username: users.displayName, role: users.role, banned: users.banned })
    .from(users)
    .where(eq(users.id, id));
  return row ?? null;
}

export interface CreatedApiKey {
  /** The key itself. Shown once; only its hash is kept. */
  key: string;
  apiKey: ApiKeySummary;
}

async function insertKey(
  db: Db | Tx,
  fields: { name: string; scopes: ApiKeyScope[]; expiresAt: Date | null; createdBy: string | null },
): Promise<{ key: string; row: ApiKeyRow }> {
  const key = generateSecret(API_KEY_PREFIX, 32);
  const [row] = await db
    .insert(apiKeys)
    .values({ ...fields, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: sha256(key) })
    .returning();
  if (!row) throw new Error('could not store the API key');
  return { key, row };
}

/**
 * Who a new key belongs to: the signed-in admin making it, or — for a key made by a key — that
 * key's owner, so minting keys never sheds the owner (and the owner's standing) behind them.
 */
export interface KeyMaker {
  actor: AuditActor;
  ownerId: string | null;
}

export function keyMakerOf(ctx: Pick<Context, 'user' | 'apiKey' | 'ip'>): KeyMaker {
  return { actor: actorOf(ctx), ownerId: ctx.user?.id ?? ctx.apiKey?.ownerId ?? null };
}

export async function createApiKey(
  db: Db,
  maker: KeyMaker,
  input: z.output<typeof apiKeyCreateInput>,
): Promise<CreatedApiKey> {
  const { actor } = maker;
  return db.transaction(async (tx) => {
    const { key, row } = await insertKey(tx, {
      name: input.name,
      scopes: input.scopes,
      expiresAt: input.expiresAt ?? null,
      createdBy: maker.ownerId,
    });
    await recordAudit(tx, actor, {
      action: 'apiKey.create',
      targetType: 'apiKey',
      targetId: row.id,
      details: {
        name: row.name,
        scopes: row.scopes,
        expiresAt: row.expiresAt?.toISOString() ?? null,
        ownerId: row.createdBy,
      },
    });
    return { key, apiKey: toSummary(row, await ownerView(tx, row.createdBy)) };
  });
}

export async function listApiKeys(db: Db): Promise<ApiKeySummary[]> {
  const now = new Date();
  const rows = await db
    .select({
      key: apiKeys,
      ownerId: users.id,
      ownerName: users.displayName,
      ownerRole: users.role,
      ownerBanned: users.banned,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .orderBy(desc(apiKeys.id));
  return rows.map((r) =>
    toSummary(
      r.key,
      r.ownerId !== null && r.ownerName !== null && r.ownerRole !== null && r.ownerBanned !== null
        ? { id: r.ownerId, username: r.ownerName, role: r.ownerRole, banned: r.ownerBanned }
        : null,
      now,
    ),
  );
}

/** Tells every instance's open connections that a key stops working at `effectiveAt`. */
async function announceKeyEnd(
  deps: Pick<AppDeps, 'bus'>,
  keyId: number,
  reason: 'revoked' | 'rotated' | 'suspended',
  effectiveAt: Date,
): Promise<void> {
  await deps.bus.publish('apiKey.revoked', {
    keyId,
    reason,
    effectiveAt: effectiveAt.toISOString(),
    at: new Date().toISOString(),
  });
}

/** After a demotion or ban committed: the owner's suspended keys end everywhere now. */
export async function announceSuspended(deps: Pick<AppDeps, 'bus'>, keyIds: number[]): Promise<void> {
  const now = new Date();
  for (const id of keyIds) await announceKeyEnd(deps, id, 'suspended', now);
}

/**
 * A new key with the same name, scopes and expiry, owned by whoever rotates it (they issued the
 * new secret); the old one works until the grace period ends — connections opened with it end then.
 */
export async function rotateApiKey(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  maker: KeyMaker,
  input: z.output<typeof apiKeyRotateInput>,
): Promise<CreatedApiKey> {
  const { actor } = maker;
  const rotated = await deps.db.transaction(async (tx) => {
    const [old] = await tx.select().from(apiKeys).where(eq(apiKeys.id, input.id)).for('update');
    if (!old) throw notFound('API key');
    const status = keyStatus(old, await standingOf(tx, old.createdBy), new Date());
    if (status !== 'active') {
      throw new ConflictError(`Only an active key can be rotated; this one is ${status}`);
    }
    const { key, row } = await insertKey(tx, {
      name: old.name,
      scopes: old.scopes,
      expiresAt: old.expiresAt,
      createdBy: maker.ownerId,
    });
    const graceUntil = new Date(Date.now() + input.graceHours * HOUR_MS);
    await tx.update(apiKeys).set({ replacedById: row.id, graceUntil }).where(eq(apiKeys.id, old.id));
    await recordAudit(tx, actor, {
      action: 'apiKey.rotate',
      targetType: 'apiKey',
      targetId: old.id,
      details: { newKeyId: row.id, graceUntil: graceUntil.toISOString(), ownerId: row.createdBy },
    });
    return { oldId: old.id, graceUntil, created: { key, apiKey: toSummary(row, await ownerView(tx, row.createdBy)) } };
  });
  await announceKeyEnd(deps, rotated.oldId, 'rotated', rotated.graceUntil);
  return rotated.created;
}

async function standingOf(db: Tx, ownerId: string | null) {
  const owner = await ownerView(db, ownerId);
  return owner ? { role: owner.role, banned: owner.banned } : null;
}

export async function revokeApiKey(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  actor: AuditActor,
  id: number,
): Promise<ApiKeySummary> {
  const summary = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, id))
      .returning();
    if (!row) throw notFound('API key');
    await recordAudit(tx, actor, {
      action: 'apiKey.revoke',
      targetType: 'apiKey',
      targetId: id,
      details: { name: row.name },
    });
    return toSummary(row, await ownerView(tx, row.createdBy));
  });
  await announceKeyEnd(deps, id, 'revoked', new Date());
  return summary;
}
