import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { createDb } from '@goated/db';
import { restoreBackup, tableDigests } from '@goated/db/backup';
import { seedDemoData } from '@goated/db/seed';
import { createTestDb, testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN } from '@goated/testing/server';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe.each(testBackends())('GET /admin/backup on %s', (kind) => {
  it('streams a restorable backup of the running server to an admin, and to nobody else', async () => {
    const t = await startTestServer(kind);
    const copy = await createTestDb(kind);
    try {
      await seedDemoData(t.db.db, { players: 50, days: 5, seed: 3 });
      expect((await fetch(`${t.url}/admin/backup`)).status).toBe(401);
      await t.client.api.auth.signUp.mutate({
        username: 'plain_user',
        password: 'a plain password 123',
        mode: 'token',
      });
      const { token: userToken } = await t.client.api.auth.signIn.mutate({
        username: 'plain_user',
        password: 'a plain password 123',
        mode: 'token',
      });
      const refused = await fetch(`${t.url}/admin/backup`, { headers: { authorization: `Bearer ${userToken}` } });
      expect(refused.status).toBe(403);

      const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
      const res = await fetch(`${t.url}/admin/backup`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      const file = Buffer.from(await res.arrayBuffer());

      const live = await tableDigests(t.db.db);
      expect(live.players?.rows).toBe(50);
      expect(live.audit_log?.rows).toBeGreaterThan(0);
      await restoreBackup(copy.db, Readable.from([file]).pipe(createGunzip()));
      expect(await tableDigests(copy.db)).toEqual(live);
    } finally {
      await copy.close();
      await t.close();
    }
  });
});

describe('pnpm backup --from a running embedded server', () => {
  it('saves the server-side backup, and pnpm restore turns it into a new embedded data folder with the same data', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'goated-hot-backup-'));
    const t = await startTestServer('pglite');
    try {
      await seedDemoData(t.db.db, { players: 40, days: 3, seed: 5 });
      const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
      const file = path.join(work, 'hot.backup.gz');
      const env = { ...process.env, DATABASE_URL: '', DATA_DIR: path.join(work, 'restored') };
      const saved = await exec('pnpm', ['--silent', 'backup', '--from', t.url, '--token', token ?? '', file], {
        cwd: repoRoot,
        env,
      });
      expect(saved.stdout).toMatch(/Backup of http:\/\/127\.0\.0\.1:\d+ written to/);
      const live = await tableDigests(t.db.db);

      const restored = await exec('pnpm', ['--silent', 'restore', file], { cwd: repoRoot, env });
      expect(restored.stdout).toMatch(/every count and checksum matches/);
      const copy = await createDb({ dataDir: path.join(work, 'restored', 'pglite'), migrate: false });
      try {
        expect(await tableDigests(copy.db)).toEqual(live);
      } finally {
        await copy.close();
      }
    } finally {
      await t.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
