export type { Db, DbConfig, DbHandle, DbKind, DbTimeouts, PoolUsage, ReleaseLock, Schema, Tx } from './client';
export { createDb, migrationsFolder, OPERATOR_DB_TIMEOUTS, queryRows } from './client';
export type { ActivityKind } from './schema/analytics';
export * as schema from './schema/index';
export type { ApiKeyScope } from './schema/users';
