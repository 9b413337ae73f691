import { type Db, schema, type Tx } from '@goated/db';
import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Context } from '../context';

const { auditLog } = schema;

/** Who did something: a signed-in user or an API key, and from where. */
export interface AuditActor {
  userId: string | null;
  apiKeyId: number | null;
  ip: string | null;
}

export function actorOf(ctx: Pick<Context, 'user' | 'apiKey' | 'ip'>): AuditActor {
  return { userId: ctx.user?.id ?? null, apiKeyId: ctx.apiKey?.id ?? null, ip: ctx.ip };
}

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string | number;
  details?: Record<string, unknown>;
}

/** Writes inside the caller's transaction, so the record exists exactly when the action does. */
export async function recordAudit(db: Db | Tx, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorUserId: actor.userId,
    actorApiKeyId: actor.apiKeyId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId === undefined ? null : String(entry.targetId),
    details: entry.details ?? null,
    ip: actor.ip,
  });
}

export const auditFilterInput = z.object({
  action: z.string().trim().min(1).max(64).optional(),
  actorUserId: z.string().min(1).max(64).optional(),
  /** The acting user's name, any case. */
  actor: z.string().trim().min(1).max(64).optional(),
  /** What was acted on: `user`, `race`, `bonusCode`, … and optionally which one. */
  targetType: z.string().trim().min(1).max(64).optional(),
  targetId: z.string().trim().min(1).max(64).optional(),
  /** Entries at or after this time. */
  since: z.date().optional(),
  /** Entries before this time. */
  until: z.date().optional(),
});

export const auditListInput = auditFilterInput.extend({
  limit: z.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.number().int().positive().nullish(),
});

/** The conditions of a filtered audit view (the list and the CSV export). */
export function auditFilters(input: z.output<typeof auditFilterInput>): SQL[] {
  const conditions: SQL[] = [];
  if (input.action) conditions.push(eq(auditLog.action, input.action));
  if (input.actorUserId) conditions.push(eq(auditLog.actorUserId, input.actorUserId));
  if (input.actor) {
    conditions.push(
      sql`${auditLog.actorUserId} in (select ${schema.users.id} from ${schema.users} where ${schema.users.username} = ${input.actor.toLowerCase()})`,
    );
  }
  if (input.targetType) conditions.push(eq(auditLog.targetType, input.targetType));
  if (input.targetId) conditions.push(eq(auditLog.targetId, input.targetId));
  if (input.since) conditions.push(gte(auditLog.createdAt, input.since));
  if (input.until) conditions.push(lt(auditLog.createdAt, input.until));
  return conditions;
}

export interface AuditRecord {
  id: number;
  action: string;
  actorUserId: string | null;
  actorUsername: string | null;
  actorApiKeyId: number | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  createdAt: Date;
}

/** Newest first. */
export async function listAudit(
  db: Db,
  input: z.output<typeof auditListInput>,
): Promise<{ entries: AuditRecord[]; nextCursor: number | null }> {
  const conditions = auditFilters(input);
  if (input.cursor) conditions.push(lt(auditLog.id, input.cursor));
  const rows = await db
    .select({
      id: auditLog.id,
      action: auditLog.action,
      actorUserId: auditLog.actorUserId,
      actorUsername: schema.users.displayName,
      actorApiKeyId: auditLog.actorApiKeyId,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      details: auditLog.details,
      ip: auditLog.ip,
      createdAt: auditLog.createdAt,
    })
    .from(auditLog)
    .leftJoin(schema.users, eq(schema.users.id, auditLog.actorUserId))
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const entries = hasMore ? rows.slice(0, input.limit) : rows;
  return { entries, nextCursor: hasMore ? (entries.at(-1)?.id ?? null) : null };
}
