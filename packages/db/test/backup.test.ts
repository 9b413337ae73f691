import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { createTestDatabaseUrl, createTestDb, testBackends } from '@goated/testing/db';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackupError,
  type BackupHeader,
  codeSchemaVersion,
  databaseSchemaVersion,
  readBackupHeader,
  restoreBackup,
  tableDigests,
  writeBackup,
} from '../src/backup/index';
import { createDb, type Db, type DbHandle, type DbKind, migrationsFolder } from '../src/client';
import { schema } from '../src/index';
import { seedDemoData } from '../src/seed';

const exec = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'goated-backup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Demo players and races plus rows in every kind of table, including awkward values. */
async function fillEverything(db: Db): Promise<void> {
  await seedDemoData(db, { players: 120, days: 10, seed: 7 });
  await db.insert(schema.users).values([
    {
      id: 'u1',
      username: 'ann',
      displayName: 'Ann "quoted" \\ back',
      passwordHash: 'h1',
      role: 'admin',
      telegramId: 9_007_199_254_740_000,
    },
    {
      id: 'u2',
      username: 'bob',
      displayName: 'Bøb — ünïcode\nnewline',
      passwordHash: 'h2',
      banned: true,
      bannedAt: new Date(),
    },
  ]);
  // A rotation chain: the older key points at the newer one (a forward self-reference).
  const [older] = await db
    .insert(schema.apiKeys)
    .values({ name: 'old', prefix: 'gvk_a', keyHash: 'ha', scopes: ['bot'], createdBy: 'u1' })
    .returning();
  const [newer] = await db
    .insert(schema.apiKeys)
    .values({ name: 'new', prefix: 'gvk_b', keyHash: 'hb', scopes: ['bot', 'read'], createdBy: 'u1' })
    .returning();
  if (!older || !newer) throw new Error('no api keys');
  await db.execute(sql`update api_keys set replaced_by_id = ${newer.id}, grace_until = now() where id = ${older.id}`);
  await db
    .insert(schema.auditLog)
    .values({ actorUserId: 'u1', action: 'test', details: { nested: { n: 1.5, s: 'x' } } });
  await db
    .insert(schema.syncRuns)
    .values({ trigger: 'manual', source: 'test', status: 'succeeded', finishedAt: new Date() });
  // A sequence that has moved past its rows: the restore must keep the next id.
  await db.execute(sql`select setval(pg_get_serial_sequence('races', 'id'), 500)`);
}

async function backupToBuffer(db: Db, mode: DbKind): Promise<{ file: Buffer; header: BackupHeader }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const header = await writeBackup(db, out, { mode });
  out.end();
  return { file: Buffer.concat(chunks), header };
}

async function nextRaceId(db: Db): Promise<number> {
  const [row] = await db
    .insert(schema.races)
    .values({ name: 'n', startsAt: new Date(), endsAt: new Date(Date.now() + 1000), prizePool: '1', prizeSplit: ['1'] })
    .returning({ id: schema.races.id });
  return row?.id ?? -1;
}

describe.each(testBackends())('backup and restore on %s', (kind) => {
  it('backup → wipe → restore gives identical row counts and checksums for every table', async () => {
    const source = await createTestDb(kind);
    try {
      await fillEverything(source.db);
      const before = await tableDigests(source.db);
      expect(before.players?.rows).toBe(120);
      expect(before.leaderboard_buckets?.rows).toBeGreaterThan(0);

      const { file, header } = await backupToBuffer(source.db, kind);
      expect(header.schema).toEqual(codeSchemaVersion());
      expect(Object.fromEntries(header.tables.map((t) => [t.name, t.rows]))).toEqual(
        Object.fromEntries(Object.entries(before).map(([n, d]) => [n, d.rows])),
      );

      // Wipe: without --wipe a database with data is refused, with it everything is replaced.
      await expect(restoreBackup(source.db, Readable.from([file]))).rejects.toThrow(/not empty/);
      await source.db.execute(sql`delete from players where uid in (select uid from players limit 10)`);
      await restoreBackup(source.db, Readable.from([file]), { wipe: true });

      expect(await tableDigests(source.db)).toEqual(before);
      expect(await databaseSchemaVersion(source.db)).toEqual(codeSchemaVersion());
      expect(await nextRaceId(source.db)).toBe(501);
    } finally {
      await source.close();
    }
  });

  it('ends the snapshot when the reader goes away mid-backup, and the database stays usable', async () => {
    const db = await createTestDb(kind);
    try {
      await fillEverything(db.db);
      // A client that stops reading, then disconnects: nothing ever drains.
      const stuck = new Writable({ highWaterMark: 1, write: () => {} });
      const backup = writeBackup(db.db, stuck, { mode: kind });
      setTimeout(() => stuck.destroy(), 50);
      await expect(backup).rejects.toThrow(/closed/);
      expect((await tableDigests(db.db)).players?.rows).toBe(120);
    } finally {
      await db.close();
    }
  });

  it('refuses a backup from a newer schema version, and leaves the target alone', async () => {
    const db = await createTestDb(kind);
    try {
      await fillEverything(db.db);
      const before = await tableDigests(db.db);
      const { file } = await backupToBuffer(db.db, kind);
      const text = file.toString('utf8');
      const future = text
        .replace(/"latestAt":\d+/, `"latestAt":${Date.now() + 86_400_000}`)
        .replace(/"migrations":\d+/, '"migrations":99');
      const attempt = restoreBackup(db.db, Readable.from([Buffer.from(future)]), { wipe: true });
      await expect(attempt).rejects.toBeInstanceOf(BackupError);
      await expect(restoreBackup(db.db, Readable.from([Buffer.from(future)]), { wipe: true })).rejects.toThrow(
        /newer database schema .* Upgrade the code/,
      );
      expect(await tableDigests(db.db)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('refuses a header that is not what a backup holds, naming the field, and leaves the target alone', async () => {
    const db = await createTestDb(kind);
    try {
      await fillEverything(db.db);
      const before = await tableDigests(db.db);
      const { file } = await backupToBuffer(db.db, kind);
      const badHeader = file
        .toString('utf8')
        .replace(/"tables":\[\{"name":"([a-z_]+)","rows":\d+/, '"tables":[{"name":"$1","rows":"many"');
      expect(badHeader).not.toBe(file.toString('utf8'));
      await expect(restoreBackup(db.db, Readable.from([Buffer.from(badHeader)]), { wipe: true })).rejects.toThrow(
        /damaged: in its header, "tables\.0\.rows"/,
      );
      await expect(readBackupHeader(Readable.from([Buffer.from(badHeader)]))).rejects.toBeInstanceOf(BackupError);
      expect(await tableDigests(db.db)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('refuses a damaged file and rolls the whole restore back', async () => {
    const db = await createTestDb(kind);
    try {
      await fillEverything(db.db);
      const before = await tableDigests(db.db);
      const { file } = await backupToBuffer(db.db, kind);
      const tampered = file.toString('utf8').replace('"display_name": "Ann', '"display_name": "Anne');
      expect(tampered).not.toBe(file.toString('utf8'));
      await expect(restoreBackup(db.db, Readable.from([Buffer.from(tampered)]), { wipe: true })).rejects.toThrow(
        /damaged/,
      );
      const truncated = file.toString('utf8').split('#end')[0] ?? '';
      await expect(restoreBackup(db.db, Readable.from([Buffer.from(truncated)]), { wipe: true })).rejects.toThrow(
        /truncated/,
      );
      expect(await tableDigests(db.db)).toEqual(before);
    } finally {
      await db.close();
    }
  });
});

describe('a backup from an older schema version', () => {
  it('restores at its own version, and the normal migrations bring it up to date with every row', async () => {
    // A database made by an older build: migrations up to the one before the latest.
    const older = path.join(work, 'older-migrations');
    cpSync(migrationsFolder, older, { recursive: true });
    const journalFile = path.join(older, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
    const pg = new PGlite();
    await migrate(drizzle(pg), { migrationsFolder: older });
    const targetPg = await pg.clone();
    if (!(targetPg instanceof PGlite)) throw new Error('PGlite.clone() returned an unexpected type');
    const source = await createDb({ pglite: pg, migrate: false });
    const target = await createDb({ pglite: targetPg, migrate: false });
    try {
      await source.db.execute(
        sql`insert into players (uid, name, wager_all_time, upstream_updated_at) values ('p1', 'Ann', '12.34', now()), ('p2', 'Ben', '5.00', now())`,
      );
      const version = await databaseSchemaVersion(source.db);
      expect(version.migrations).toBe(codeSchemaVersion().migrations - 1);
      const { file, header } = await backupToBuffer(source.db, 'pglite');
      expect(header.schema).toEqual(version);

      await restoreBackup(target.db, Readable.from([file]), { wipe: true });
      expect(await databaseSchemaVersion(target.db)).toEqual(version);

      // What `pnpm restore` (and the server's start) does next: apply the newer migrations.
      await migrate(drizzle(targetPg), { migrationsFolder });
      expect(await databaseSchemaVersion(target.db)).toEqual(codeSchemaVersion());
      const digests = await tableDigests(target.db);
      expect(digests.players?.rows).toBe(2);
    } finally {
      await source.close();
      await target.close();
    }
  });
});

describe.runIf(testBackends().includes('postgres'))('moving from PGlite to PostgreSQL', () => {
  // Two CLI runs as child processes (pnpm, tsx, a database each): beside the whole suite on
  // 2 cores they have taken 30 s.
  it('pnpm backup of an embedded data folder, pnpm restore into PostgreSQL: every row arrives', async () => {
    const dataDir = path.join(work, 'embedded');
    const embedded = await createDb({ dataDir: path.join(dataDir, 'pglite') });
    let before: Awaited<ReturnType<typeof tableDigests>>;
    try {
      await fillEverything(embedded.db);
      before = await tableDigests(embedded.db);
    } finally {
      await embedded.close();
    }

    const file = path.join(work, 'move.backup.gz');
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
    const backedUp = await exec('pnpm', ['--silent', 'backup', file], { cwd: repoRoot, env });
    expect(backedUp.stdout).toMatch(/Backup written to .*pglite/);
    expect(backedUp.stderr).toMatch(/backing up players: 120\/120 rows \(100%\)/);

    const pg = await createTestDatabaseUrl();
    let target: DbHandle | undefined;
    try {
      const restored = await exec('pnpm', ['--silent', 'restore', file], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: pg.url },
      });
      expect(restored.stdout).toMatch(/every count and checksum matches/);
      target = await createDb({ databaseUrl: pg.url, poolMax: 2 });
      expect(await tableDigests(target.db)).toEqual(before);
    } finally {
      await target?.close();
      await pg.drop();
    }
  }, 90_000);

  it('pnpm backup --pg-dump and pnpm restore of that dump keep every row', async () => {
    const source = await createTestDatabaseUrl();
    const copy = await createTestDatabaseUrl();
    const handles: DbHandle[] = [];
    try {
      const src = await createDb({ databaseUrl: source.url, poolMax: 2 });
      handles.push(src);
      await fillEverything(src.db);
      const before = await tableDigests(src.db);
      const file = path.join(work, 'dump.pgdump');
      await exec('pnpm', ['--silent', 'backup', '--pg-dump', file], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: source.url },
      });
      await exec('pnpm', ['--silent', 'restore', file], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: copy.url },
      });
      const dst = await createDb({ databaseUrl: copy.url, poolMax: 2, migrate: false });
      handles.push(dst);
      expect(await tableDigests(dst.db)).toEqual(before);
    } finally {
      for (const h of handles) await h.close();
      await source.drop();
      await copy.drop();
    }
  }, 90_000);
});

describe('the backup command line', () => {
  it('refuses to open an embedded data folder a server holds, and explains the alternatives', async () => {
    const dataDir = path.join(work, 'busy');
    const embedded = await createDb({ dataDir: path.join(dataDir, 'pglite'), migrate: false });
    await embedded.ping();
    try {
      const result = exec('pnpm', ['--silent', 'backup', path.join(work, 'busy.gz')], {
        cwd: repoRoot,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
      });
      await expect(result).rejects.toMatchObject({
        stderr: expect.stringMatching(/in use by a running server.*--from/s),
      });
    } finally {
      await embedded.close();
    }
  });

  it('refuses a file that is not a backup', async () => {
    const file = path.join(work, 'junk.gz');
    writeFileSync(file, gzipSync('hello\n'));
    const result = exec('pnpm', ['--silent', 'restore', file], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: path.join(work, 'junk'), DATABASE_URL: '' },
    });
    await expect(result).rejects.toMatchObject({ stderr: expect.stringMatching(/Not a GoatedVIPs backup/) });
  });
});
