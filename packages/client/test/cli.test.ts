/**
 * `goated` as a spawned process against a real server: text and --json output, exit codes
 * (0 done, 1 refused, 2 usage, 3 unreachable or silent), where the address and the credential come from,
 * errors that say what to do, and `watch` following a live stream until SIGINT ends it cleanly.
 */
import net from 'node:net';
import { type Client, createClient } from '@goated/client';
import { freePort } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/cli';

function record(uid: string, name: string, month: number) {
  return { uid, name, wagered: { today: month / 4, this_week: month / 2, this_month: month, all_time: month * 3 } };
}

describe.each(testBackends())('the goated command (%s)', (kind) => {
  let ts: TestServer;
  let admin: Client;
  let adminToken = '';
  let readKey = '';
  let raceId = 0;

  beforeAll(async () => {
    ts = await startTestServer(kind, { LEADERBOARD_PUSH_INTERVAL_MS: '50' });
    const { token } = await ts.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    adminToken = token ?? '';
    admin = createClient({ url: ts.url, token: adminToken });
    await admin.api.sync.ingest.mutate({
      records: [record('c1', 'CliAlice', 900), record('c2', 'CliBob', 500), record('c3', 'CliBobby', 100)],
    });
    readKey = (await admin.api.admin.apiKeys.create.mutate({ name: 'cli read', scopes: ['read'] })).key;
    const hour = 3_600_000;
    raceId = (
      await admin.api.races.create.mutate({
        name: 'CLI race',
        startsAt: new Date(Date.now() + hour),
        endsAt: new Date(Date.now() + 24 * hour),
        prizePool: '10.00',
        prizes: ['10.00'],
      })
    ).id;
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await ts?.close();
  });

  it('prints the leaderboard as a table, and the same data as JSON with --json', async () => {
    const text = await runCli(['top', '--period', 'month', '--limit', '2'], { API_URL: ts.url });
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/1\s+CliAlice\s+900\.00/);
    expect(text.stdout).toMatch(/2\s+CliBob\s+500\.00/);
    expect(text.stdout).not.toContain('CliBobby');

    const json = await runCli(['top', '-p', 'month', '-n', '2', '--json', '--url', ts.url]);
    expect(json.code).toBe(0);
    const page = await ts.client.api.leaderboard.top.query({ period: 'month', limit: 2 });
    expect(JSON.parse(json.stdout)).toEqual({ ...page, generatedAt: expect.any(String) });
  });

  it('finds a player by a unique name, and lists the candidates when several match', async () => {
    const alice = await runCli(['player', 'clialice', '--json'], { API_URL: ts.url });
    expect(alice.code).toBe(0);
    expect(JSON.parse(alice.stdout)).toMatchObject({ uid: 'c1', name: 'CliAlice', periods: { month: { rank: 1 } } });

    const several = await runCli(['player', 'CliBo'], { API_URL: ts.url });
    expect(several.code).toBe(1);
    expect(several.stderr).toContain('Several players match "CliBo"');
    expect(several.stderr).toContain('CliBobby (uid c3)');

    const nobody = await runCli(['player', 'NoSuchPlayer'], { API_URL: ts.url });
    expect(nobody).toMatchObject({ code: 1, stdout: '' });
    expect(nobody.stderr).toContain('No player named "NoSuchPlayer"');
  });

  it('shows races, and one race with its standings', async () => {
    const list = await runCli(['race'], { API_URL: ts.url });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${raceId}\\s+CLI race\\s+upcoming`));
    const one = await runCli(['race', String(raceId), '--json'], { API_URL: ts.url });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ race: { id: raceId, name: 'CLI race' }, standings: { raceId } });
    const missing = await runCli(['race', '99999'], { API_URL: ts.url });
    expect(missing).toMatchObject({ code: 1, stderr: 'error: Race not found\n' });
  });

  it('says how to authenticate when an admin command has no key, and runs it with one', async () => {
    const anonymous = await runCli(['keys', 'list'], { API_URL: ts.url });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('Pass one with --token or set API_TOKEN');

    const created = await runCli(['keys', 'create', 'cli test key', '--scope', 'read', 'ingest', '--json'], {
      API_URL: ts.url,
      API_TOKEN: adminToken,
    });
    expect(created.code).toBe(0);
    const { key, apiKey } = JSON.parse(created.stdout);
    expect(key).toMatch(/^gvk_/);
    expect(apiKey).toMatchObject({ name: 'cli test key', scopes: ['read', 'ingest'], status: 'active' });

    const listed = await runCli(['keys', 'list', '--json', '--token', adminToken], { API_URL: ts.url });
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: apiKey.id, name: 'cli test key' })]),
    );
    // The new key works, with its scope: read may see the sync status, not revoke keys.
    const status = await runCli(['sync', 'status', '--json'], { API_URL: ts.url, API_TOKEN: key });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ lastRuns: expect.any(Array) });
    const refused = await runCli(['keys', 'revoke', String(apiKey.id)], { API_URL: ts.url, API_TOKEN: key });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Use a key with the right scope');

    const revoked = await runCli(['keys', 'revoke', String(apiKey.id)], { API_URL: ts.url, API_TOKEN: adminToken });
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked API key ${apiKey.id} "cli test key".\n` });
    const afterRevoke = await runCli(['sync', 'status'], { API_URL: ts.url, API_TOKEN: key });
    expect(afterRevoke.code).toBe(1);
    expect(afterRevoke.stderr).toContain('the token was not accepted');
  });

  it('runs the sync on demand', async () => {
    const run = await runCli(['sync', 'run', '--json'], { API_URL: ts.url, API_TOKEN: adminToken });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      trigger: 'manual',
      status: expect.stringMatching(/succeeded|skipped/),
    });
  });

  it('watches the leaderboard live, one JSON line per change, until SIGINT ends it with exit 0', async () => {
    // The order as it stands: the on-demand run above pulled from the simulated feed, which may
    // have moved any of these players.
    const before = await admin.api.leaderboard.top.query({ period: 'month', limit: 3 });
    const [first, second] = before.entries.map((e) => ({ uid: e.uid }));
    const watch = startCli(['watch', 'leaderboard', '--period', 'month', '--limit', '3', '--json'], {
      API_URL: ts.url,
    });
    try {
      await watch.until(() => watch.lines().length >= 1, 'the first snapshot');
      expect(watch.lines()[0]).toMatchObject({
        period: 'month',
        entries: before.entries.map((e) => ({ uid: e.uid })),
      });
      expect(watch.stderr).toContain(`Watching the month leaderboard at ${ts.url} (Ctrl-C to stop)`);
      // Far above anything the simulated feed can reach in a run.
      await admin.api.sync.ingest.mutate({ records: [record('c4', 'CliNewLeader', 10_000_000)] });
      await watch.until(
        () => watch.lines().some((line) => JSON.stringify(line).includes('CliNewLeader')),
        'the pushed change',
      );
      expect(watch.lines().at(-1)).toMatchObject({ entries: [{ uid: 'c4', rank: 1 }, first, second] });
      watch.proc.kill('SIGINT');
      const result = await watch.done;
      expect(result).toMatchObject({ code: 0, signal: null });
    } finally {
      watch.kill();
    }
  });

  it('stops quietly when its reader goes away, as with `goated watch leaderboard | head -1`', async () => {
    const watch = startCli(['watch', 'leaderboard', '--period', 'month', '--limit', '3', '--json'], {
      API_URL: ts.url,
    });
    try {
      await watch.until(() => watch.lines().length >= 1, 'the first snapshot');
      watch.proc.stdout?.destroy();
      // The next change is written into the closed pipe.
      await admin.api.sync.ingest.mutate({ records: [record('c6', 'CliPiped', 20_000_000)] });
      const result = await watch.done;
      expect(result).toMatchObject({ code: 0, signal: null });
      expect(result.stderr).not.toContain('EPIPE');
    } finally {
      watch.kill();
    }
  });

  it('watches the transformation log with a read key, and refuses it without one', async () => {
    const refused = await runCli(['watch', 'logs'], { API_URL: ts.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('this needs an API key');

    const watch = startCli(['watch', 'logs'], { API_URL: ts.url, API_TOKEN: readKey });
    try {
      await watch.until(() => watch.stderr.includes('Watching the transformation log'), 'the subscription');
      await admin.api.sync.ingest.mutate({ records: [record('c5', 'CliLogged', 1)] });
      await watch.until(() => /\binfo\s+.*\(in 1, out 1, skipped 0/.test(watch.stdout), 'the log entry');
      watch.proc.kill('SIGINT');
      expect(await watch.done).toMatchObject({ code: 0, signal: null });
    } finally {
      watch.kill();
    }
  });
});

// What does not depend on the server's database, once.
describe('the goated command without a server', () => {
  it('exits 2 on a wrong command line, naming what is wrong', async () => {
    const period = await runCli(['top', '--period', 'year'], {});
    expect(period.code).toBe(2);
    expect(period.stderr).toContain("argument 'year' is invalid. Allowed choices are today, week, month, all.");
    const limit = await runCli(['top', '--limit', '0'], {});
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('The limit must be a whole number from 1 to 100.');
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Exit codes: 0 done, 1 the server refused or failed, 2 wrong usage, 3 server unreachable or silent.',
    );
  });

  it('exits 3 when nothing answers, naming the address and where it came from', async () => {
    const port = await freePort();
    const flag = await runCli(['top', '--url', `http://127.0.0.1:${port}`]);
    expect(flag.code).toBe(3);
    expect(flag.stderr).toContain(`Could not reach the server at http://127.0.0.1:${port} (connection refused)`);
    expect(flag.stderr).toContain('--url');
    const viaPort = await runCli(['race'], { PORT: String(port) });
    expect(viaPort.code).toBe(3);
    expect(viaPort.stderr).toContain(`http://127.0.0.1:${port}`);
    expect(viaPort.stderr).toContain('start it (pnpm start), or set API_URL / --url');
  });

  it('exits 3 when the server takes the request in and never answers, after --timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = performance.now();
      const hung = await runCli(['top', '--url', `http://127.0.0.1:${port}`, '--timeout', '1']);
      expect(hung.code).toBe(3);
      expect(hung.stderr).toContain(
        `The server at http://127.0.0.1:${port} gave no answer within 1 s. Check the --url`,
      );
      expect(performance.now() - started).toBeLessThan(15_000);
      const wrong = await runCli(['top', '--timeout', '0']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('The timeout in seconds must be a whole number from 1 to 3600.');
    } finally {
      silent.close();
    }
  });
});
