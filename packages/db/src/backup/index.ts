export { databaseSchemaVersion } from './catalog';
export { type BackupOptions, tableDigests, writeBackup } from './export';
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  type BackupHeader,
  type BackupProgress,
  checkRestorable,
  codeSchemaVersion,
  knownMigrations,
  type SchemaVersion,
  type TableDigest,
} from './format';
export { type RestoreOptions, readBackupHeader, restoreBackup } from './restore';
