/**
 * The affiliate feed under the admins' control: URL and token stored in the database (one row),
 * the environment (AFFILIATE_API_URL / AFFILIATE_API_TOKEN) as the default, the built-in
 * simulator when neither names a feed. The token is write-only: it is never sent back, only
 * whether one is set and its last four characters.
 */
import { type Db, schema, type Tx } from '@goated/db';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { UpstreamDefault } from '../../deps';
import { type AuditActor, recordAudit } from '../audit';

export type { UpstreamDefault } from '../../deps';

const { upstreamSettings, users } = schema;

/** What a run pulls from: a feed URL (and token), or the simulator. */
export type EffectiveUpstream =
  | { kind: 'http'; url: string; token: string | undefined; from: 'database' | 'environment' }
  | { kind: 'simulator' };

export interface UpstreamSettingsView {
  /** Where the feed in use comes from. */
  source: 'database' | 'environment' | 'simulator';
  /** The URL in use (null for the simulator). */
  url: string | null;
  /** The URL stored by an admin (null: the environment's applies). */
  storedUrl: string | null;
  /** The environment's URL, the default. */
  defaultUrl: string | null;
  token: { set: boolean; last4: string | null; from: 'database' | 'environment' | null };
  updatedAt: Date | null;
  updatedBy: string | null;
  /** The feed refuses the token (401/403) since then; cleared by the next run it accepts. */
  authFailure: { since: Date; status: number } | null;
}

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// address' })
  .max(2000, 'must be at most 2000 characters');

export const upstreamSetInput = z.object({
  /** null: go back to the environment's feed (or the simulator). */
  url: httpUrl.nullable(),
  /** Absent: keep the stored token; null: forget it; text: the new token. */
  token: z
    .string()
    .trim()
    .min(1)
    .max(4000, 'must be at most 4000 characters')
    .regex(/^[\x21-\x7e]+$/, 'may contain only visible characters, without spaces')
    .nullish(),
});

export const upstreamTestInput = z.object({
  /** Defaults to the URL in use. */
  url: httpUrl.optional(),
  /** Defaults to the stored token (or the environment's when testing the environment's URL). */
  token: z.string().trim().min(1).max(4000, 'must be at most 4000 characters').optional(),
});

type Row = typeof upstreamSettings.$inferSelect;

async function readRow(db: Db | Tx): Promise<Row | null> {
  const [row] = await db.select().from(upstreamSettings).where(eq(upstreamSettings.id, 1));
  return row ?? null;
}

/** The feed a run uses now: the database's, else the environment's, else the simulator. */
export async function effectiveUpstream(db: Db, fallback: UpstreamDefault | null): Promise<EffectiveUpstream> {
  const row = await readRow(db);
  if (row?.url) return { kind: 'http', url: row.url, token: row.token ?? undefined, from: 'database' };
  if (fallback) return { kind: 'http', url: fallback.url, token: row?.token ?? fallback.token, from: 'environment' };
  return { kind: 'simulator' };
}

function last4(token: string | null | undefined): string | null {
  return token ? token.slice(-4) : null;
}

export async function getUpstreamSettings(db: Db, fallback: UpstreamDefault | null): Promise<UpstreamSettingsView> {
  const row = await readRow(db);
  const effective = await effectiveUpstream(db, fallback);
  const updatedBy = row?.updatedBy
    ? ((await db.select({ name: users.displayName }).from(users).where(eq(users.id, row.updatedBy)))[0]?.name ?? null)
    : null;
  const storedToken = row?.token ?? null;
  const token = storedToken ?? fallback?.token ?? null;
  return {
    source: effective.kind === 'simulator' ? 'simulator' : effective.from,
    url: effective.kind === 'http' ? effective.url : null,
    storedUrl: row?.url ?? null,
    defaultUrl: fallback?.url ?? null,
    token: { set: token !== null, last4: last4(token), from: storedToken ? 'database' : token ? 'environment' : null },
    updatedAt: row?.updatedAt ?? null,
    updatedBy,
    authFailure:
      row?.authFailedAt && row.authFailureStatus ? { since: row.authFailedAt, status: row.authFailureStatus } : null,
  };
}

/** Stores the feed; the next run on every instance uses it. Audited without the token itself. */
export async function setUpstreamSettings(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof upstreamSetInput>,
  fallback: UpstreamDefault | null,
): Promise<UpstreamSettingsView> {
  await db.transaction(async (tx) => {
    const before = await readRow(tx);
    const token = input.token === undefined ? (before?.token ?? null) : input.token;
    const now = new Date();
    await tx
      .insert(upstreamSettings)
      .values({ id: 1, url: input.url, token, updatedBy: actor.userId, updatedAt: now })
      .onConflictDoUpdate({
        target: upstreamSettings.id,
        set: { url: input.url, token, updatedBy: actor.userId, updatedAt: now },
      });
    await recordAudit(tx, actor, {
      action: 'upstream.set',
      targetType: 'upstream',
      details: {
        url: { before: before?.url ?? null, after: input.url },
        token:
          input.token === undefined
            ? 'kept'
            : input.token === null
              ? 'removed'
              : before?.token
                ? `replaced (now ends ${last4(input.token)})`
                : `set (ends ${last4(input.token)})`,
      },
    });
  });
  return getUpstreamSettings(db, fallback);
}

/**
 * Marks the feed as refusing the token, once: only the first caller (of every instance) gets
 * true, so the alert is raised once per outage, not once per run.
 */
export async function markAuthFailure(db: Db, status: number, now = new Date()): Promise<boolean> {
  await db.insert(upstreamSettings).values({ id: 1 }).onConflictDoNothing();
  const marked = await db
    .update(upstreamSettings)
    .set({ authFailedAt: now, authFailureStatus: status })
    .where(sql`${upstreamSettings.id} = 1 and ${upstreamSettings.authFailedAt} is null`)
    .returning({ id: upstreamSettings.id });
  return marked.length > 0;
}

/** The feed accepted a run: the warning ends. True when there was one to clear. */
export async function clearAuthFailure(db: Db): Promise<boolean> {
  const cleared = await db
    .update(upstreamSettings)
    .set({ authFailedAt: null, authFailureStatus: null })
    .where(sql`${upstreamSettings.id} = 1 and ${upstreamSettings.authFailedAt} is not null`)
    .returning({ id: upstreamSettings.id });
  return cleared.length > 0;
}
