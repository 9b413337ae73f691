import { numeric, timestamp } from 'drizzle-orm/pg-core';

/** Every timestamp is timezone-aware; drizzle hands them out as `Date`. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Money and wager amounts: exact decimals, never floats. drizzle returns them as strings
 * ("1234.56") so no precision is lost on the way to a client.
 */
export const money = (name: string) => numeric(name, { precision: 20, scale: 2 });

export const createdAt = () => tstz('created_at').notNull().defaultNow();
export const updatedAt = () => tstz('updated_at').notNull().defaultNow();
