import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns';
import { userRef } from './users';

/**
 * The affiliate feed as admins set it at run time (one row, id 1). A null URL falls back to
 * the environment (AFFILIATE_API_URL), then to the built-in simulator. Every instance reads it
 * at the start of each run, so a change needs no restart.
 */
export const upstreamSettings = pgTable(
  'upstream_settings',
  {
    id: integer('id').primaryKey().default(1),
    url: text('url'),
    /** Write-only through the API: never sent back, only its last characters. */
    token: text('token'),
    updatedBy: userRef('updated_by'),
    updatedAt: tstz('updated_at'),
    /**
     * Set by the first run the feed answered 401/403 (one conditional UPDATE, so one instance
     * raises the alert once); cleared by the next run it accepts.
     */
    authFailedAt: tstz('auth_failed_at'),
    authFailureStatus: integer('auth_failure_status'),
  },
  (t) => [check('upstream_settings_single_row', sql`${t.id} = 1`)],
);
