/**
 * `pnpm admin:reset-password USERNAME` as an operator runs it: its own process, on the
 * server's database (PostgreSQL by DATABASE_URL, or the embedded PGlite folder by DATA_DIR).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureAdmin } from '@goated/api/server';
import { createDb, type DbHandle, type DbKind } from '@goated/db';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { startTestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repoRoot, 'apps/server/src/admin-cli.ts');

describe.each(testBackends())('the password-reset command on %s', (kind: DbKind) => {
  let open: () => Promise<DbHandle>;
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { DATABASE_URL: _db, DATA_DIR: _dir, REDIS_URL: _redis, ...inherited } = process.env;
    if (kind === 'postgres') {
      const database = await createTestDatabaseUrl();
      open = () => createDb({ databaseUrl: database.url, poolMax: 2 });
      env = { ...inherited, DATABASE_URL: database.url };
      cleanup = database.drop;
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'goated-cli-'));
      open = () => createDb({ dataDir: path.join(dir, 'pglite') });
      env = { ...inherited, DATA_DIR: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    const handle = await open();
    await ensureAdmin(handle.db, { username: 'ops', password: 'the old forgotten one' });
    await handle.close();
  }, 120_000);
  afterAll(() => cleanup?.());

  function resetPassword(...args: string[]) {
    return run(process.execPath, ['--import', 'tsx', cli, 'reset-password', ...args], { cwd: repoRoot, env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  it('gives the account a generated password, shown once, that must be changed at sign-in', async () => {
    const result = await resetPassword('OPS');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Password reset for "ops" \(admin\)\.\n\n {2}New password: \S{20,}\n/);
    const password = /New password: (\S+)/.exec(result.stdout)?.[1] ?? '';

    const handle = await open();
    const t = await startTestServer(kind, {}, { db: handle });
    try {
      await expect(
        t.client.api.auth.signIn.mutate({ username: 'ops', password: 'the old forgotten one', mode: 'token' }),
      ).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
      const session = await t.client.api.auth.signIn.mutate({ username: 'ops', password, mode: 'token' });
      expect(session.user).toMatchObject({ role: 'admin', mustChangePassword: true });
    } finally {
      await t.close();
      await handle.close();
    }
  }, 120_000);

  it('says so when no account has that name, and how to call it', async () => {
    expect(await resetPassword('nobody_here')).toMatchObject({
      code: 1,
      stderr: 'No account is called "nobody_here". Check the spelling (usernames are case-insensitive).\n',
    });
    expect(await resetPassword()).toMatchObject({
      code: 2,
      stderr: 'Usage: pnpm admin:reset-password USERNAME [--force]\n',
    });
  }, 60_000);

  it.runIf(kind === 'pglite')(
    'leaves an embedded database alone while a server holds it',
    async () => {
      const handle = await open();
      try {
        const result = await resetPassword('ops');
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/is in use by a running server/);
      } finally {
        await handle.close();
      }
    },
    60_000,
  );
});
