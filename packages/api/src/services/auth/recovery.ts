/**
 * `pnpm admin:reset-password USERNAME`: an operator with shell access to the server recovers a
 * locked-out account (typically the admin's). The account gets a generated password, shown
 * once, that must be changed at the next sign-in; every session and reset token of it ends.
 */
import { type Db, schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit';
import { retireResetTokens } from './accounts';
import { generateSecret, hashPassword, normalizeUsername } from './credentials';

const { users, sessions } = schema;

export interface OperatorReset {
  userId: string;
  username: string;
  role: 'user' | 'admin';
  banned: boolean;
  /** Shown once; the next sign-in must replace it. */
  password: string;
  /** Sessions that were ended. */
  sessionsEnded: number;
}

export class UnknownUserError extends Error {
  constructor(readonly username: string) {
    super(`No account is called "${username}"`);
    this.name = 'UnknownUserError';
  }
}

export async function resetPasswordAsOperator(db: Db, username: string): Promise<OperatorReset> {
  const password = generateSecret('', 18);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(eq(users.username, normalizeUsername(username.normalize('NFKC').trim())))
      .for('update');
    if (!user) throw new UnknownUserError(username);
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: true, passwordChangedAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, user.id));
    const ended = await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.id });
    await retireResetTokens(tx, user.id);
    // No actor: done on the server itself, outside any session or key.
    await recordAudit(
      tx,
      { userId: null, apiKeyId: null, ip: null },
      {
        action: 'user.passwordResetByOperator',
        targetType: 'user',
        targetId: user.id,
        details: { username: user.displayName, sessionsEnded: ended.length },
      },
    );
    return {
      userId: user.id,
      username: user.displayName,
      role: user.role,
      banned: user.banned,
      password,
      sessionsEnded: ended.length,
    };
  });
}
