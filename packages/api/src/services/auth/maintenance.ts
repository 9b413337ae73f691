import { randomUUID } from 'node:crypto';
import { type Db, schema } from '@goated/db';
import { eq, lt, or, sql } from 'drizzle-orm';
import { generateSecret, hashPassword, normalizeUsername } from './credentials';
import { luciaFor } from './lucia';

export interface AdminBootstrap {
  /** Null when an admin already existed. */
  created: { username: string; generatedPassword: string | null } | null;
}

/**
 * On start: when no admin exists, create one from ADMIN_USERNAME/ADMIN_PASSWORD, or `admin` with
 * a generated password that the caller prints once. Safe when several instances start together.
 */
export async function ensureAdmin(
  db: Db,
  fromEnv: { username?: string | undefined; password?: string | undefined },
): Promise<AdminBootstrap> {
  const [existing] = await db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.role, 'admin'))
    .limit(1);
  if (existing) return { created: null };
  const displayName = fromEnv.username ?? 'admin';
  const generatedPassword = fromEnv.password ? null : generateSecret('', 18);
  const password = fromEnv.password ?? generatedPassword ?? '';
  const inserted = await db
    .insert(schema.users)
    .values({
      id: randomUUID(),
      username: normalizeUsername(displayName),
      displayName,
      passwordHash: await hashPassword(password),
      role: 'admin',
      // A printed password is as good as public: the first sign-in must replace it.
      mustChangePassword: generatedPassword !== null,
    })
    .onConflictDoNothing()
    .returning({ id: schema.users.id });
  // Another instance won the race, or a non-admin already holds the name: report no creation.
  return { created: inserted.length > 0 ? { username: displayName, generatedPassword } : null };
}

/** Deletes expired sessions, reset tokens and Telegram link codes. Run periodically. */
export async function deleteExpiredCredentials(db: Db): Promise<void> {
  await luciaFor(db).deleteExpiredSessions();
  await db.delete(schema.passwordResetTokens).where(lt(schema.passwordResetTokens.expiresAt, sql`now()`));
  await db
    .delete(schema.telegramLinkCodes)
    .where(
      or(
        lt(schema.telegramLinkCodes.expiresAt, sql`now() - interval '1 day'`),
        lt(schema.telegramLinkCodes.usedAt, sql`now() - interval '1 day'`),
      ),
    );
}
