import { type ApiKeyScope, type Db, schema } from '@goated/db';
import { TRPCError } from '@trpc/server';
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ApiKeyIdentity } from '../../context';
import { notFound } from '../../errors';
import { type AuditActor, recordAudit } from '../audit';
import { generateSecret, sha256 } from './credentials';

const { apiKeys } = schema;

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

export type ApiKeyStatus = 'active' | 'grace' | 'rotated' | 'revoked' | 'expired';

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
}

type ApiKeyRow = typeof apiKeys.$inferSelect;

function statusOf(row: ApiKeyRow, now: Date): ApiKeyStatus {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt <= now) return 'expired';
  if (row.replacedById !== null) return row.graceUntil && row.graceUntil > now ? 'grace' : 'rotated';
  return 'active';
}

function toSummary(row: ApiKeyRow, now = new Date()): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    status: statusOf(row, now),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    graceUntil: row.graceUntil,
    replacedById: row.replacedById,
  };
}

export interface CreatedApiKey {
  /** The key itself. Shown once; only its hash is kept. */
  key: string;
  apiKey: ApiKeySummary;
}

async function insertKey(
  db: Db | Parameters<Parameters<Db['transaction']>[0]>[0],
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

export async function createApiKey(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof apiKeyCreateInput>,
): Promise<CreatedApiKey> {
  return db.transaction(async (tx) => {
    const { key, row } = await insertKey(tx, {
      name: input.name,
      scopes: input.scopes,
      expiresAt: input.expiresAt ?? null,
      createdBy: actor.userId,
    });
    await recordAudit(tx, actor, {
      action: 'apiKey.create',
      targetType: 'apiKey',
      targetId: row.id,
      details: { name: row.name, scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null },
    });
    return { key, apiKey: toSummary(row) };
  });
}

export async function listApiKeys(db: Db): Promise<ApiKeySummary[]> {
  const now = new Date();
  const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.id));
  return rows.map((row) => toSummary(row, now));
}

/** A new key with the same name, scopes and expiry; the old one works until the grace period ends. */
export async function rotateApiKey(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof apiKeyRotateInput>,
): Promise<CreatedApiKey> {
  return db.transaction(async (tx) => {
    const [old] = await tx.select().from(apiKeys).where(eq(apiKeys.id, input.id)).for('update');
    if (!old) throw notFound('API key');
    const status = statusOf(old, new Date());
    if (status !== 'active') {
      throw new TRPCError({ code: 'CONFLICT', message: `Only an active key can be rotated; this one is ${status}` });
    }
    const { key, row } = await insertKey(tx, {
      name: old.name,
      scopes: old.scopes,
      expiresAt: old.expiresAt,
      createdBy: actor.userId,
    });
    const graceUntil = new Date(Date.now() + input.graceHours * HOUR_MS);
    await tx.update(apiKeys).set({ replacedById: row.id, graceUntil }).where(eq(apiKeys.id, old.id));
    await recordAudit(tx, actor, {
      action: 'apiKey.rotate',
      targetType: 'apiKey',
      targetId: old.id,
      details: { newKeyId: row.id, graceUntil: graceUntil.toISOString() },
    });
    return { key, apiKey: toSummary(row) };
  });
}

export async function revokeApiKey(db: Db, actor: AuditActor, id: number): Promise<ApiKeySummary> {
  return db.transaction(async (tx) => {
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
    return toSummary(row);
  });
}

export type ApiKeyCheck = { ok: true; identity: ApiKeyIdentity } | { ok: false; reason: 'unknown' | ApiKeyStatus };

/** Checks a presented key. Usage time is recorded at most once a minute per key. */
export async function verifyApiKey(db: Db, key: string, ip: string | null): Promise<ApiKeyCheck> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sha256(key)));
  if (!row) return { ok: false, reason: 'unknown' };
  const status = statusOf(row, new Date());
  if (status !== 'active' && status !== 'grace') {
    await recordAudit(
      db,
      { userId: null, apiKeyId: row.id, ip },
      {
        action: 'apiKey.denied',
        targetType: 'apiKey',
        targetId: row.id,
        details: { status },
      },
    );
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
  return { ok: true, identity: { id: row.id, name: row.name, scopes: row.scopes } };
}
