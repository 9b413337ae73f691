import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { createdAt, tstz, updatedAt } from './columns';
import { userRole } from './enums';
import { players } from './players';

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Normalized (trimmed, lower-case); unique. */
    username: text('username').notNull(),
    /** As the user typed it, for display. */
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: userRole('role').notNull().default('user'),
    playerUid: text('player_uid').references(() => players.uid, { onDelete: 'set null' }),
    telegramId: bigint('telegram_id', { mode: 'number' }),
    telegramUsername: text('telegram_username'),
    /**
     * When the user confirmed the Telegram link on the dashboard. A link made with a code alone
     * (which anyone holding the code could do) does not count for password resets until then.
     */
    telegramConfirmedAt: tstz('telegram_confirmed_at'),
    /**
     * SHA-256 of the code the bot sent to the newly linked Telegram account; entering it on the
     * dashboard confirms the link (proving the same person holds both). Cleared once used.
     */
    telegramConfirmCodeHash: text('telegram_confirm_code_hash'),
    banned: boolean('banned').notNull().default(false),
    bannedAt: tstz('banned_at'),
    passwordChangedAt: tstz('password_changed_at'),
    /** Set for a generated password (first admin, operator reset): the next sign-in must change it. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(t.username),
    uniqueIndex('users_player_uid_key').on(t.playerUid),
    uniqueIndex('users_telegram_id_key').on(t.telegramId),
    index('users_created_at_idx').on(t.createdAt),
  ],
);

/** The account a row belongs to (`user_id`): the row goes when the account is deleted. */
export const ownerUserId = () =>
  text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' });

/** An account a row names (who made or reviewed it): the row stays, the name becomes null, when it is deleted. */
export const userRef = (column: string) => text(column).references(() => users.id, { onDelete: 'set null' });

/** lucia v3 sessions: the id is the SHA-256 of the token the browser holds. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: ownerUserId(),
    expiresAt: tstz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId), index('sessions_expires_at_idx').on(t.expiresAt)],
);

export const apiKeyScopes = ['bot', 'ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Service credentials. Only a hash is stored; the key itself is shown once on creation. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    /** The first characters of the key, safe to show so an admin can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
    /**
     * The owner: the admin who made it (or, for a key made by a key, that key's owner). A key
     * acts with at most its owner's current rights and goes with the owner's account. Null: a
     * system key made by a bootstrap path outside the router (see docs/OPERATIONS.md).
     */
    createdBy: text('created_by').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at'),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    /** Disabled because its owner lost the rights behind it (demoted or banned); final. */
    suspendedAt: tstz('suspended_at'),
    suspendedReason: text('suspended_reason'),
    /** Rotation: the key that replaced this one; this one stays valid until `graceUntil`. */
    replacedById: integer('replaced_by_id').references((): AnyPgColumn => apiKeys.id, { onDelete: 'set null' }),
    graceUntil: tstz('grace_until'),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_key').on(t.keyHash),
    index('api_keys_created_at_idx').on(t.createdAt),
    index('api_keys_created_by_idx').on(t.createdBy),
  ],
);

/** One-time codes a signed-in user sends to the bot as `/verify CODE`. */
export const telegramLinkCodes = pgTable(
  'telegram_link_codes',
  {
    code: text('code').primaryKey(),
    userId: ownerUserId(),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('telegram_link_codes_user_id_idx').on(t.userId)],
);

/** One-time password-reset tokens (issued by an admin or through the linked Telegram account). */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    /** SHA-256 of the token; the token itself is shown once. */
    tokenHash: text('token_hash').primaryKey(),
    userId: ownerUserId(),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('password_reset_tokens_user_id_idx').on(t.userId)],
);
