/**
 * `pnpm backup [FILE]` and `pnpm restore FILE [--wipe]` for both storage modes.
 *
 * The database is DATABASE_URL, or the embedded data folder (DATA_DIR, default `.data`) —
 * the same variables as the server. `pnpm backup --from URL --token KEY` instead downloads a
 * backup from a running server (the way to back up the embedded database while the server
 * holds it). `--pg-dump` uses PostgreSQL's own pg_dump / pg_restore (custom format).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGunzip, createGzip } from 'node:zlib';
import { createDb, type DbHandle, OPERATOR_DB_TIMEOUTS } from '@goated/db';
import {
  BackupError,
  type BackupProgress,
  checkRestorable,
  codeSchemaVersion,
  databaseSchemaVersion,
  readBackupHeader,
  restoreBackup,
  writeBackup,
} from '@goated/db/backup';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function dataDir(): string {
  return path.join(path.resolve(process.env.DATA_DIR || path.join(repoRoot, '.data')), 'pglite');
}

function target(): { databaseUrl: string | undefined; dataDir: string } {
  return { databaseUrl: process.env.DATABASE_URL || undefined, dataDir: dataDir() };
}

/** A running server (or one that crashed) leaves PGlite's postmaster.pid in the folder. */
function refuseBusyDataDir(force: boolean): void {
  const pid = path.join(dataDir(), 'postmaster.pid');
  if (existsSync(pid) && !force) {
    throw new BackupError(
      `The data folder ${path.dirname(pid)} is in use by a running server (or the server did not shut down cleanly).\n` +
        'Embedded PGlite is one process: back it up through the server instead —\n' +
        '  pnpm backup --from http://127.0.0.1:5000 --token gvk_…   (an API key with the admin scope)\n' +
        'or stop the server first. If no server is running, pass --force.',
    );
  }
}

/** One progress line per table, rewritten in place on a terminal; every ~2 s otherwise. */
function progressPrinter(): (p: BackupProgress) => void {
  let lastTable = '';
  let lastPrint = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.done === p.total;
    if (p.table === lastTable && !finished && now - lastPrint < (process.stderr.isTTY ? 200 : 2000)) return;
    lastPrint = now;
    const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
    const line = `${p.phase === 'backup' ? 'backing up' : 'restoring'} ${p.table}: ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} rows (${pct}%)`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[K${line}${finished ? '\n' : ''}`);
    } else if (finished || p.table === lastTable) {
      process.stderr.write(`${line}\n`);
    }
    lastTable = p.table;
  };
}

function defaultFile(): string {
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\..+$/, 'Z');
  return path.join(repoRoot, 'backups', `goated-${stamp}.backup.gz`);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) =>
      reject(new BackupError(`Could not run ${command} (${err.message}); install the PostgreSQL client tools.`)),
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${command} failed with exit code ${code}`)),
    );
  });
}

/**
 * Writes through `FILE.partial` and renames it at the end, so a backup that fails half-way
 * never leaves a file under the name that looks finished.
 */
async function backup(file: string, opts: { from?: string; token?: string; pgDump: boolean; force: boolean }) {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial`;
  try {
    await backupTo(partial, file, opts);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

async function backupTo(
  partial: string,
  file: string,
  opts: { from?: string; token?: string; pgDump: boolean; force: boolean },
) {
  if (opts.from) {
    if (!opts.token) throw new BackupError('--from needs --token (an API key with the admin scope, or BACKUP_TOKEN).');
    const url = new URL('/admin/backup', opts.from);
    const res = await fetch(url, { headers: { authorization: `Bearer ${opts.token}` } }).catch((err: unknown) => {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new BackupError(`Could not reach the server at ${url.origin}: ${cause}`);
    });
    if (!res.ok || !res.body) {
      throw new BackupError(`The server answered ${res.status} ${res.statusText}: ${await res.text()}`);
    }
    let bytes = 0;
    let last = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (Date.now() - last > 1000) {
          last = Date.now();
          process.stderr.write(`downloaded ${(bytes / 1e6).toFixed(1)} MB\n`);
        }
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body), meter, createWriteStream(partial));
    console.log(`Backup of ${opts.from} written to ${file} (${(bytes / 1e6).toFixed(1)} MB).`);
    return;
  }

  const { databaseUrl } = target();
  if (opts.pgDump) {
    if (!databaseUrl) throw new BackupError('--pg-dump needs DATABASE_URL (it is for PostgreSQL).');
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, databaseUrl]);
    console.log(`pg_dump backup written to ${file}.`);
    return;
  }

  if (!databaseUrl) refuseBusyDataDir(opts.force);
  const handle = await createDb({ ...target(), migrate: false, poolMax: 2, timeouts: OPERATOR_DB_TIMEOUTS });
  try {
    const gzip = createGzip();
    const done = pipeline(gzip, createWriteStream(partial));
    const header = await writeBackup(handle.db, gzip, { mode: handle.kind, onProgress: progressPrinter() }).catch(
      async (err: unknown) => {
        gzip.destroy();
        await done.catch(() => {});
        throw err;
      },
    );
    gzip.end();
    await done;
    const rows = header.tables.reduce((n, t) => n + t.rows, 0);
    console.log(
      `Backup written to ${file}: ${header.tables.length} tables, ${rows.toLocaleString('en')} rows, schema ${header.schema.latest ?? 'empty'} (${handle.kind}).`,
    );
  } finally {
    await handle.close();
  }
}

/** pg_restore's custom format starts with these bytes. */
function isPgDump(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(5);
    readSync(fd, magic, 0, 5, 0);
    return magic.toString('latin1') === 'PGDMP';
  } finally {
    closeSync(fd);
  }
}

async function restore(file: string, opts: { wipe: boolean; force: boolean }) {
  if (!existsSync(file)) throw new BackupError(`No such file: ${file}`);
  const { databaseUrl } = target();
  if (isPgDump(file)) {
    if (!databaseUrl) throw new BackupError('A pg_dump backup restores only into PostgreSQL: set DATABASE_URL.');
    await restorePgDump(file, databaseUrl, opts.wipe);
    return;
  }
  // Refuse a wrong or too-new file before opening (and possibly initialising) the database.
  await readBackupHeader(createReadStream(file).pipe(createGunzip())).catch((err: unknown) => {
    if (err instanceof Error && 'code' in err && String(err.code).startsWith('Z_')) {
      throw new BackupError(`Not a GoatedVIPs backup file (${file} is not gzip-compressed: ${err.message}).`);
    }
    throw err;
  });
  if (!databaseUrl) refuseBusyDataDir(opts.force);
  let handle: DbHandle = await createDb({ ...target(), migrate: false, poolMax: 2, timeouts: OPERATOR_DB_TIMEOUTS });
  try {
    const header = await restoreBackup(handle.db, createReadStream(file).pipe(createGunzip()), {
      wipe: opts.wipe,
      onProgress: progressPrinter(),
      onHeader: (h) =>
        console.log(
          `Restoring a ${h.mode} backup from ${h.createdAt} (schema ${h.schema.latest ?? 'empty'}) into ${handle.kind}…`,
        ),
    });
    // A backup from an older schema is brought up to date the way the server would.
    if (header.schema.latestAt !== codeSchemaVersion().latestAt) {
      await handle.close();
      handle = await createDb({ ...target(), poolMax: 2, timeouts: OPERATOR_DB_TIMEOUTS });
    }
    const rows = header.tables.reduce((n, t) => n + t.rows, 0);
    console.log(
      `Restored ${header.tables.length} tables, ${rows.toLocaleString('en')} rows; every count and checksum matches. Schema now ${(await databaseSchemaVersion(handle.db)).latest}.`,
    );
  } finally {
    await handle.close();
  }
}

/** pg_restore into PostgreSQL, after the same newer-schema check as the logical format. */
async function restorePgDump(file: string, databaseUrl: string, wipe: boolean) {
  // The dump's own drizzle migration table says which schema it has.
  const listing = await new Promise<string>((resolve, reject) => {
    const child = spawn('pg_restore', [
      '--data-only',
      '--schema=drizzle',
      '--table=__drizzle_migrations',
      '--file=-',
      file,
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', (err) => reject(new BackupError(`Could not run pg_restore (${err.message}).`)));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new BackupError(`pg_restore failed (${code})`))));
  });
  const stamps = [...listing.matchAll(/^\d+\t[0-9a-f]+\t(\d+)$/gm)].map((m) => Number(m[1]));
  const latestAt = stamps.length ? Math.max(...stamps) : null;
  checkRestorable({ migrations: stamps.length, latest: null, latestAt });
  const args = ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${databaseUrl}`];
  if (wipe) args.push('--clean', '--if-exists');
  await run('pg_restore', [...args, file]);
  console.log(`pg_restore of ${file} done; the server applies any newer migrations on start.`);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: 'string' },
    token: { type: 'string' },
    'pg-dump': { type: 'boolean', default: false },
    wipe: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
  },
});
const [command, file] = positionals;

try {
  if (command === 'backup') {
    await backup(file ?? defaultFile(), {
      from: values.from,
      token: values.token ?? process.env.BACKUP_TOKEN,
      pgDump: values['pg-dump'],
      force: values.force,
    });
  } else if (command === 'restore' && file) {
    await restore(file, { wipe: values.wipe, force: values.force });
  } else {
    console.error('usage: pnpm backup [FILE] [--from URL --token KEY] [--pg-dump]\n       pnpm restore FILE [--wipe]');
    process.exitCode = 2;
  }
} catch (err) {
  if (err instanceof BackupError) {
    console.error(err.message);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
