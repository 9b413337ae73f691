import { pgEnum } from 'drizzle-orm/pg-core';

export const userRole = pgEnum('user_role', ['user', 'admin']);
export const logType = pgEnum('log_type', ['info', 'warning', 'error']);
export const syncTrigger = pgEnum('sync_trigger', ['schedule', 'manual', 'ingest']);
export const syncStatus = pgEnum('sync_status', ['running', 'succeeded', 'failed', 'skipped']);
export const raceStatus = pgEnum('race_status', ['upcoming', 'live', 'completed', 'cancelled']);
export const challengeStatus = pgEnum('challenge_status', ['open', 'closed']);
export const entryStatus = pgEnum('entry_status', ['pending', 'approved', 'rejected']);
export const raceCadence = pgEnum('race_cadence', ['weekly', 'monthly']);
