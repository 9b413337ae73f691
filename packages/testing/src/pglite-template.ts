/**
 * A migrated PGlite to clone for each test database. Starting PGlite runs initdb in WASM
 * (seconds, and far longer on a loaded machine) before the migrations even begin, and every
 * test file is its own process: so the migrated data directory is kept in the temp folder, one
 * per PGlite build and set of migrations, and later processes load it instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrationsFolder } from '@goated/db';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsHash } from './migrations-hash';

/** Where this PGlite build's migrated data directory is kept (its path names its version). */
function dataDirFile(): string {
  const pglite = realpathSync(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  const build = createHash('sha256').update(pglite).digest('hex').slice(0, 8);
  return path.join(tmpdir(), `goated-pglite-${build}-${migrationsHash()}.tar`);
}

async function loadSaved(file: string): Promise<PGlite | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const pg = new PGlite({ loadDataDir: new Blob([readFileSync(file)]) });
    await pg.waitReady;
    return pg;
  } catch {
    rmSync(file, { force: true }); // unreadable (a different build, a torn copy): made again below
    return undefined;
  }
}

async function migrateAndSave(file: string): Promise<PGlite> {
  const pg = new PGlite();
  await migrate(drizzle(pg), { migrationsFolder });
  const dump = await pg.dumpDataDir('none');
  // Written aside and renamed: a process reading it never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
  return pg;
}

let template: Promise<PGlite> | undefined;

/** The migrated PGlite of this process (loaded from the temp folder, or made and saved there). */
export function migratedPgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const file = dataDirFile();
    return (await loadSaved(file)) ?? (await migrateAndSave(file));
  })();
  return template;
}
