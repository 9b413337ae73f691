import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { restoreBackup, tableDigests } from '@goated/db/backup';
import { seedDemoData } from '@goated/db/seed';
import { createTestDb, testBackends } from '@goated/db/testing';
import { describe, expect, it } from 'vitest';
import { startTestServer, TEST_ADMIN } from './harness';

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
