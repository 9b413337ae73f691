/** Per kind, for the web and for Telegram separately: what a user wants to be told. */
import { type Db, schema } from '@goated/db';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { InvalidInputError } from '../../errors';
import { kindReaches, type NotificationKind, notificationKindNames, notificationKinds } from './kinds';

const { notificationPreferences, users } = schema;

export interface NotificationPreference {
  kind: NotificationKind;
  label: string;
  description: string;
  web: boolean;
  telegram: boolean;
  /** Security notices cannot be switched off. */
  required: boolean;
}

export interface NotificationPreferences {
  /** Whether the account has Telegram linked (Telegram choices apply once it has). */
  telegramLinked: boolean;
  kinds: NotificationPreference[];
}

const kindSchema = z.enum(notificationKindNames as [NotificationKind, ...NotificationKind[]], {
  message: `must be one of: ${notificationKindNames.join(', ')}`,
});

export const setPreferencesInput = z.object({
  preferences: z
    .array(
      z.object({
        kind: kindSchema,
        web: z.boolean({ message: 'must be true or false' }).optional(),
        telegram: z.boolean({ message: 'must be true or false' }).optional(),
      }),
    )
    .min(1, 'Choose at least one preference to change')
    .max(notificationKindNames.length * 2, 'Too many preferences at once'),
});

export async function getPreferences(db: Db, userId: string): Promise<NotificationPreferences> {
  const [user] = await db
    .select({ telegramId: users.telegramId, role: users.role })
    .from(users)
    .where(eq(users.id, userId));
  const rows = await db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  const chosen = new Map(rows.map((r) => [r.kind, r]));
  return {
    telegramLinked: user?.telegramId != null,
    kinds: notificationKindNames
      .filter((kind) => kindReaches(kind, user?.role ?? 'user'))
      .map((kind) => {
        const info = notificationKinds[kind];
        const required = 'required' in info && info.required === true;
        const row = chosen.get(kind);
        return {
          kind,
          label: info.label,
          description: info.description,
          web: required || (row?.web ?? info.defaults.web),
          telegram: required || (row?.telegram ?? info.defaults.telegram),
          required,
        };
      }),
  };
}

/** Changes some choices (what is not given stays as it was); returns every preference. */
export async function setPreferences(
  db: Db,
  userId: string,
  input: z.output<typeof setPreferencesInput>,
): Promise<NotificationPreferences> {
  const current = await getPreferences(db, userId);
  const byKind = new Map(current.kinds.map((k) => [k.kind, k]));
  const issues = input.preferences.flatMap((p, i) => {
    const info = notificationKinds[p.kind];
    if (!byKind.has(p.kind))
      return [{ path: ['preferences', i, 'kind'], message: `${info.label} are for admins only` }];
    const turnsOff = p.web === false || p.telegram === false;
    return 'required' in info && turnsOff
      ? [
          {
            path: ['preferences', i, p.web === false ? 'web' : 'telegram'],
            message: `${info.label} cannot be turned off`,
          },
        ]
      : [];
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
  const merged = new Map<NotificationKind, { web: boolean; telegram: boolean }>();
  for (const p of input.preferences) {
    const base = merged.get(p.kind) ?? byKind.get(p.kind) ?? { web: true, telegram: true };
    merged.set(p.kind, { web: p.web ?? base.web, telegram: p.telegram ?? base.telegram });
  }
  await db
    .insert(notificationPreferences)
    .values([...merged].map(([kind, c]) => ({ userId, kind, web: c.web, telegram: c.telegram })))
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.kind],
      set: {
        web: sql`excluded.web`,
        telegram: sql`excluded.telegram`,
        updatedAt: sql`now()`,
      },
    });
  return getPreferences(db, userId);
}
