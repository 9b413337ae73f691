/**
 * Text the database cannot store — a NUL anywhere, an unpaired UTF-16 surrogate — is the
 * caller's mistake: BAD_REQUEST naming the field, for every procedure, over HTTP; never a 500
 * with a stack trace in the log. A sync batch skips such a record and applies the rest.
 */
import { appRouter } from '@goated/api';
import { createClient } from '@goated/client';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type ProcedureType = 'query' | 'mutation';

function queriesAndMutations(): { path: string; type: ProcedureType }[] {
  const list: { path: string; type: ProcedureType }[] = [];
  for (const [path, procedure] of Object.entries(appRouter._def.procedures)) {
    const def: unknown = '_def' in procedure ? procedure._def : null;
    const type = def && typeof def === 'object' && 'type' in def ? def.type : null;
    if (type === 'query' || type === 'mutation') list.push({ path, type });
  }
  return list;
}

interface WireAnswer {
  status: number;
  code: string | undefined;
  message: string | undefined;
  issues: { path: (string | number)[]; message: string }[];
}

async function call(url: string, path: string, type: ProcedureType, input: unknown, token = ''): Promise<WireAnswer> {
  const envelope = JSON.stringify({ json: input });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res =
    type === 'mutation'
      ? await fetch(`${url}/trpc/${path}`, { method: 'POST', headers, body: envelope })
      : await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(envelope)}`, { headers });
  const body = (await res.json()) as {
    error?: { json?: { message?: string; data?: { code?: string; zodIssues?: WireAnswer['issues'] | null } } };
  };
  return {
    status: res.status,
    code: body.error?.json?.data?.code,
    message: body.error?.json?.message,
    issues: body.error?.json?.data?.zodIssues ?? [],
  };
}

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\uD800b';

describe.each(testBackends())('unstorable text in any input, on %s', (kind) => {
  let t: TestServer;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await startTestServer(
      kind,
      { LOG_LEVEL: 'info', RATE_LIMIT_QUERIES_PER_MIN: '100000', RATE_LIMIT_MUTATIONS_PER_MIN: '100000' },
      { logStream: { write: (line) => logLines.push(line) } },
    );
    const session = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    token = session.token ?? '';
  }, 120_000);
  afterAll(() => t?.close());

  it.each([
    ['auth.signIn', 'mutation', { username: 'ad\u0000min', password: 'whatever password' }, ['username'], false],
    ['leaderboard.top', 'query', { period: 'all', search: NUL }, ['search'], false],
    ['players.get', 'query', { uid: NUL }, ['uid'], false],
    ['bonus.claim', 'mutation', { code: NUL }, ['code'], true],
    [
      'auth.signUp',
      'mutation',
      { username: 'fine_name', password: `long enough ${LONE_SURROGATE}` },
      ['password'],
      false,
    ],
  ] as const)('%s: a 400 naming the field', async (path, type, input, field, signedIn) => {
    const answer = await call(t.url, path, type, input, signedIn ? token : '');
    expect(answer).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(answer.issues[0]?.path).toEqual(field);
    expect(answer.message).toMatch(/must not contain control characters|must be valid Unicode text/);
  });

  it('every query and mutation answers 400 for a NUL anywhere in its input, signed in or not', async () => {
    const unexpected: string[] = [];
    for (const { path, type } of queriesAndMutations()) {
      if (path === 'sync.ingest') continue; // per record: below
      for (const bearer of ['', token]) {
        const answer = await call(t.url, path, type, { probe: { deep: [NUL] } }, bearer);
        if (
          answer.status !== 400 ||
          answer.code !== 'BAD_REQUEST' ||
          answer.issues[0]?.path.join('.') !== 'probe.deep.0'
        )
          unexpected.push(`${path} (${bearer ? 'admin' : 'anonymous'}): ${answer.status} ${answer.code}`);
      }
    }
    expect(unexpected).toEqual([]);
    // Refused inputs are not server errors: nothing at error level, no stack trace.
    const errors = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
  }, 120_000);

  it('a sync batch skips the poisoned records, reports them, and applies the rest', async () => {
    const admin = createClient({ url: t.url, token });
    try {
      const record = (uid: string, name: string) => ({
        uid,
        name,
        wagered: { today: 1, this_week: 2, this_month: 3, all_time: 4 },
      });
      const result = await admin.api.sync.ingest.mutate({
        records: [
          record('good_one', 'Good \u202Eeno'),
          record('bad\u0000uid', 'Nul In Uid'),
          record('bad_name', `Broken ${LONE_SURROGATE}`),
          record('good_two', 'Also Good'),
        ],
      });
      expect(result).toMatchObject({ status: 'succeeded', recordsIn: 4, recordsOut: 2, recordsSkipped: 2 });
      expect(result.rejected.map((r) => [r.index, r.reason])).toEqual([
        [1, expect.stringContaining('must not contain control characters')],
        [2, expect.stringContaining('must be valid Unicode text')],
      ]);
      // The good ones are there, and the bidi override is gone from the name.
      expect((await admin.api.players.get.query({ uid: 'good_one' })).name).toBe('Good eno');
      expect((await admin.api.players.get.query({ uid: 'good_two' })).name).toBe('Also Good');
    } finally {
      await admin.close();
    }
  });
});
