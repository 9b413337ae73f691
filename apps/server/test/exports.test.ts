import { runSync } from '@goated/api/server';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const tricky = [
  { uid: 'f1', name: '=HYPERLINK("http://evil.example","click")', amount: 300 },
  { uid: 'f2', name: 'Comma, "Quoted" Name', amount: 200 },
  { uid: 'f3', name: '+1 @home -dash', amount: 100 },
  { uid: 'f4', name: '@mention', amount: 50 },
];

describe.each(testBackends())('CSV exports on %s', (kind) => {
  let t: TestServer;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    t = await startTestServer(kind);
    await runSync(t.server.deps, {
      name: 'export-feed',
      fetchRecords: async () =>
        tricky.map((p) => ({
          uid: p.uid,
          name: p.name,
          wagered: { today: p.amount, this_week: p.amount, this_month: p.amount, all_time: p.amount },
        })),
    });
    const admin = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    adminToken = admin.token ?? '';
    await t.client.api.auth.signUp.mutate({ username: 'plain_user', password: 'plain user password' });
    const user = await t.client.api.auth.signIn.mutate({
      username: 'plain_user',
      password: 'plain user password',
      mode: 'token',
    });
    userToken = user.token ?? '';
  });
  afterAll(() => t?.close());

  const get = (path: string, token?: string) =>
    fetch(`${t.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('is for admins only', async () => {
    expect((await get('/admin/export/users.csv')).status).toBe(401);
    expect((await get('/admin/export/users.csv', userToken)).status).toBe(403);
    expect((await get('/admin/export/nothing.csv', adminToken)).status).toBe(404);
  });

  it('streams the leaderboard as CSV with correct quoting and formulas neutralised, and audits it', async () => {
    const response = await get('/admin/export/leaderboard.csv?period=month', adminToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="leaderboard-month-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const rows: string[][] = parse(await response.text());
    expect(rows).toEqual([
      ['rank', 'uid', 'name', 'wagered'],
      ['1', 'f1', `'=HYPERLINK("http://evil.example","click")`, '300.00'],
      ['2', 'f2', 'Comma, "Quoted" Name', '200.00'],
      ['3', 'f3', "'+1 @home -dash", '100.00'],
      ['4', 'f4', "'@mention", '50.00'],
    ]);
    const audit = await t.db.db.select().from(schema.auditLog).where(eq(schema.auditLog.action, 'export.download'));
    expect(audit.at(-1)).toMatchObject({ targetType: 'export', targetId: 'leaderboard', ip: '127.0.0.1' });
  });

  it('answers every export with its header row, and refuses bad parameters in words', async () => {
    const headers: Record<string, string[]> = {};
    for (const what of ['users', 'bonus-claims', 'challenge-entries', 'audit', 'logs']) {
      const response = await get(`/admin/export/${what}.csv`, adminToken);
      expect(response.status, what).toBe(200);
      headers[what] = (parse(await response.text()) as string[][])[0] ?? [];
    }
    expect(headers.users).toEqual(['id', 'username', 'role', 'banned', 'player_uid', 'telegram_linked', 'created_at']);
    expect(headers.logs?.slice(0, 4)).toEqual(['id', 'at', 'type', 'message']);
    const logs: string[][] = parse(
      await (await get('/admin/export/logs.csv?type=info&search=export-feed', adminToken)).text(),
    );
    expect(logs.slice(1).map((r) => r[3])).toEqual([expect.stringContaining('from export-feed')]);
    const bad = await get('/admin/export/race-results.csv', adminToken);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('raceId') });
    expect((await get('/admin/export/race-results.csv?raceId=999999', adminToken)).status).toBe(404);
  });

  it('streams a board of several batches whole, and serves on after a download abandoned midway', async () => {
    // 12,000 more players, ranked all time only (the month's board above stays as it is): three
    // batches of 5,000, so the download crosses batch edges.
    const many = 12_000;
    await runSync(t.server.deps, {
      name: 'bulk-board',
      fetchRecords: async () =>
        Array.from({ length: many }, (_, i) => ({
          uid: `m${String(i).padStart(5, '0')}`,
          name: `Many ${i}`,
          wagered: { today: 0, this_week: 0, this_month: 0, all_time: 10 + i },
        })),
    });
    const whole = async () => {
      const rows: string[][] = parse(await (await get('/admin/export/leaderboard.csv?period=all', adminToken)).text());
      expect(rows.length).toBe(1 + many + tricky.length);
      expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(Array.from({ length: rows.length - 1 }, (_, i) => i + 1));
      expect(rows[1]).toEqual(['1', `m${many - 1}`, `Many ${many - 1}`, `${10 + many - 1}.00`]);
      expect(new Set(rows.slice(1).map((r) => r[1])).size).toBe(rows.length - 1);
    };
    await whole();

    const abandoned = new AbortController();
    const response = await fetch(`${t.url}/admin/export/leaderboard.csv?period=all`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: abandoned.signal,
    });
    const reader = response.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    abandoned.abort();
    await reader?.cancel().catch(() => 'aborted already');
    await whole();
    expect((await get('/health')).status).toBe(200);
  });
});
