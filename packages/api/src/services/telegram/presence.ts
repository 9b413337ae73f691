import { type Db, schema } from '@goated/db';
import { and, isNull, max, sql } from 'drizzle-orm';

const { apiKeys } = schema;

/**
 * The bot counts as connected while its key was used this recently. API keys record their use
 * at most once a minute, and the bot calls the server at least every 30 s.
 */
export const BOT_SEEN_WITHIN_MS = 150_000;

export interface BotConnection {
  /** A `bot`-scoped API key called the server within the last few minutes. */
  connected: boolean;
  lastSeenAt: Date | null;
}

/** Whether the bot is talking to the server, from its key's last use (shared by every instance). */
export async function botConnection(db: Db, now = new Date()): Promise<BotConnection> {
  const [row] = await db
    .select({ lastSeenAt: max(apiKeys.lastUsedAt) })
    .from(apiKeys)
    .where(and(sql`${apiKeys.scopes} @> '["bot"]'::jsonb`, isNull(apiKeys.revokedAt)));
  const lastSeenAt = row?.lastSeenAt ?? null;
  return { connected: lastSeenAt !== null && now.getTime() - lastSeenAt.getTime() < BOT_SEEN_WITHIN_MS, lastSeenAt };
}
