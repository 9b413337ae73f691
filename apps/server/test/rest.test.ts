/**
 * The REST API as a client in another language meets it: every path of the published OpenAPI
 * document called with curl, each answer checked against the document (a maintained validator
 * for the document itself, a JSON Schema validator for the bodies), plus credentials, rate
 * limits, errors as problem details, and /api paths that are not the API.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createClient } from '@goated/client';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CurlResponse, curl } from './support/curl';

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Validates bodies against the schemas of a (dereferenced-by-$ref) OpenAPI 3.1 document. */
function bodyValidator(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi.json');
  return (pointer: string, body: unknown) => {
    const validate = ajv.getSchema(`openapi.json#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    const ok = validate(body);
    return ok ? null : ajv.errorsText(validate.errors);
  };
}

const pointerSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const responsePointer = (path: string, method: string, status: number, type: string) =>
  `/paths/${pointerSegment(path)}/${method}/responses/${status}/content/${pointerSegment(type)}/schema`;

function record(uid: string, name: string, month: number) {
  return { uid, name, wagered: { today: month / 4, this_week: month / 2, this_month: month, all_time: month * 3 } };
}

describe.each(testBackends())('REST API (%s)', (kind) => {
  let ts: TestServer;
  let document: Json;
  let check: ReturnType<typeof bodyValidator>;
  const keys = { ingest: '', read: '' };
  let raceId = 0;
  let webDist = '';

  beforeAll(async () => {
    // A dashboard build, so its fallback page (index.html for unknown paths) is live too.
    webDist = await mkdtemp(path.join(tmpdir(), 'rest-web-'));
    await writeFile(path.join(webDist, 'index.html'), '<!doctype html><title>dashboard</title>');
    ts = await startTestServer(kind, { WEB_DIST: webDist });
    const { api, close } = createClient({ url: ts.url });
    const { token } = await api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    await close();
    const admin = createClient({ url: ts.url, token });
    try {
      keys.ingest = (await admin.api.admin.apiKeys.create.mutate({ name: 'rest ingest', scopes: ['ingest'] })).key;
      keys.read = (await admin.api.admin.apiKeys.create.mutate({ name: 'rest read', scopes: ['read'] })).key;
      const hour = 3_600_000;
      const race = await admin.api.races.create.mutate({
        name: 'REST race',
        startsAt: new Date(Date.now() + hour),
        endsAt: new Date(Date.now() + 48 * hour),
        prizePool: '100.00',
        prizes: ['60.00', '40.00'],
      });
      raceId = race.id;
    } finally {
      await admin.close();
    }
    const served = await curl('GET', `${ts.url}/api/openapi.json`);
    expect(served.status).toBe(200);
    const parsed = served.json();
    if (!isJson(parsed)) throw new Error('the OpenAPI document is not an object');
    document = parsed;
    check = bodyValidator(document);
  }, 120_000);
  afterAll(async () => {
    await ts?.close();
    if (webDist) await rm(webDist, { recursive: true, force: true });
  });

  it('publishes an OpenAPI 3.1 document that a maintained validator accepts', async () => {
    expect(document.openapi).toBe('3.1.0');
    // validate() dereferences its argument in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('answers every documented path with what the document says', async () => {
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    // Order matters: the ingest fills the board the reads look at.
    const calls: Record<string, { method: string; url: string; headers?: Record<string, string>; body?: string }> = {
      'post /sync/ingest': {
        method: 'POST',
        url: '/sync/ingest',
        headers: { ...bearer(keys.ingest), 'content-type': 'application/json' },
        body: JSON.stringify({
          records: [record('r1', 'RestAlice', 900), record('r2', 'RestBob', 500), record('r3', 'RestCarol', 100)],
        }),
      },
      'get /leaderboard/{period}': { method: 'GET', url: '/leaderboard/month?limit=2' },
      'get /leaderboard/{period}/players/{uid}': { method: 'GET', url: '/leaderboard/month/players/r2?neighbours=1' },
      'get /players/{uid}': { method: 'GET', url: '/players/r1' },
      'get /players/{uid}/history': { method: 'GET', url: '/players/r1/history?days=7' },
      'get /races': { method: 'GET', url: '/races?status=upcoming&limit=5' },
      'get /races/{raceId}': { method: 'GET', url: `/races/${raceId}` },
      'get /races/{raceId}/standings': { method: 'GET', url: `/races/${raceId}/standings?limit=3` },
      'get /sync/status': { method: 'GET', url: '/sync/status?runs=3', headers: bearer(keys.read) },
      'get /mvps': { method: 'GET', url: '/mvps' },
      'get /vip/tiers': { method: 'GET', url: '/vip/tiers' },
      'get /site': { method: 'GET', url: '/site' },
    };
    const documented = Object.entries(isJson(document.paths) ? document.paths : {}).flatMap(([path, item]) =>
      Object.keys(isJson(item) ? item : {}).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(Object.keys(calls).sort());

    const answers = new Map<string, unknown>();
    for (const [operation, call] of Object.entries(calls)) {
      const [method = '', path = ''] = operation.split(' ');
      const res = await curl(call.method, `${ts.url}/api/v1${call.url}`, {
        ...(call.headers ? { headers: call.headers } : {}),
        ...(call.body ? { body: call.body } : {}),
      });
      expect(res.status, `${operation}: ${res.body}`).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(check(responsePointer(path, method, 200, 'application/json'), res.json()), operation).toBeNull();
      answers.set(operation, res.json());
    }
    // Plain JSON, no tRPC envelope: amounts as decimal strings, times as ISO strings.
    expect(answers.get('get /leaderboard/{period}')).toMatchObject({
      period: 'month',
      entries: [
        { rank: 1, uid: 'r1', name: 'RestAlice', wagered: '900.00' },
        { rank: 2, uid: 'r2', name: 'RestBob', wagered: '500.00' },
      ],
      generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(answers.get('get /leaderboard/{period}/players/{uid}')).toMatchObject({
      player: { uid: 'r2', rank: 2 },
      above: [{ uid: 'r1' }],
      below: [{ uid: 'r3' }],
    });
    expect(answers.get('post /sync/ingest')).toMatchObject({ status: 'succeeded', recordsIn: 3, recordsOut: 3 });
    expect(answers.get('get /races/{raceId}')).toMatchObject({ id: raceId, name: 'REST race', status: 'upcoming' });
    expect(answers.get('get /mvps')).toMatchObject({
      month: { uid: 'r1', wagered: '900.00', tier: { rank: 1, name: 'Copper' } },
    });
    expect(answers.get('get /vip/tiers')).toHaveLength(9);
    expect(answers.get('get /site')).toMatchObject({ currency: 'USD', adultsOnly: true });
  });

  function expectProblem(res: CurlResponse, path: string, method: string, status: number, code: string) {
    expect(res.status, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ type: 'about:blank', status, code });
    // Documented operations document this answer; elsewhere it is still a Problem.
    const pointer = path
      ? responsePointer(path, method, status, 'application/problem+json')
      : '/components/schemas/Problem';
    expect(check(pointer, body)).toBeNull();
    return body;
  }

  it('asks for credentials with 401 and refuses the wrong scope with 403, as problem details', async () => {
    const ingest = (headers: Record<string, string>) =>
      curl('POST', `${ts.url}/api/v1/sync/ingest`, {
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ records: [record('r9', 'Nobody', 1)] }),
      });
    const anonymous = expectProblem(await ingest({}), '/sync/ingest', 'post', 401, 'UNAUTHORIZED');
    expect(anonymous).toMatchObject({ title: 'Unauthorized', instance: '/api/v1/sync/ingest' });
    expectProblem(await ingest({ authorization: `Bearer ${keys.read}` }), '/sync/ingest', 'post', 403, 'FORBIDDEN');
    expectProblem(await ingest({ authorization: 'Bearer gvk_not-a-key' }), '/sync/ingest', 'post', 401, 'UNAUTHORIZED');
    expectProblem(await curl('GET', `${ts.url}/api/v1/sync/status`), '/sync/status', 'get', 401, 'UNAUTHORIZED');
  });

  it('names the field a bad input got wrong, and says what was not found', async () => {
    const bad = await curl('GET', `${ts.url}/api/v1/leaderboard/month?limit=500`);
    const body = expectProblem(bad, '/leaderboard/{period}', 'get', 400, 'BAD_REQUEST');
    expect(body).toMatchObject({ detail: expect.stringContaining('limit'), issues: [{ path: ['limit'] }] });
    const wrongPeriod = await curl('GET', `${ts.url}/api/v1/leaderboard/year`);
    expect(expectProblem(wrongPeriod, '/leaderboard/{period}', 'get', 400, 'BAD_REQUEST')).toMatchObject({
      issues: [{ path: ['period'] }],
    });
    const missing = await curl('GET', `${ts.url}/api/v1/races/999999`);
    expect(expectProblem(missing, '/races/{raceId}', 'get', 404, 'NOT_FOUND')).toMatchObject({
      detail: 'Race not found',
    });
    const nobody = await curl('GET', `${ts.url}/api/v1/players/no-such-uid`);
    expectProblem(nobody, '/players/{uid}', 'get', 404, 'NOT_FOUND');
    // A NUL character is a 400: in a query value naming the field, in the path saying so.
    const nulQuery = await curl('GET', `${ts.url}/api/v1/leaderboard/month?search=a%00b`);
    expect(expectProblem(nulQuery, '/leaderboard/{period}', 'get', 400, 'BAD_REQUEST')).toMatchObject({
      detail: 'search: Search must not contain control characters',
      issues: [{ path: ['search'] }],
    });
    const nulPath = await curl('GET', `${ts.url}/api/v1/players/a%00b`);
    expect(nulPath.status).toBe(400);
    expect(nulPath.json()).toMatchObject({
      code: 'BAD_REQUEST',
      detail: 'The address must not contain NUL characters (%00)',
    });
  });

  it('answers JSON 404 for /api paths that are not the API, never the dashboard page', async () => {
    const page = await curl('GET', `${ts.url}/races/some-page`);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const path of ['/api', '/api/nope', '/api/v2/leaderboard/month', '/api/v1/nope', '/api/v1/races/1/nope']) {
      const res = await curl('GET', `${ts.url}${path}`);
      expectProblem(res, '', '', 404, 'NOT_FOUND');
    }
    const post = await curl('POST', `${ts.url}/api/whatever`, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expectProblem(post, '', '', 404, 'NOT_FOUND');
  });

  it('serves the interactive reference from the server itself', async () => {
    const page = await curl('GET', `${ts.url}/api/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      // Relative to /api/docs/: nothing from another host.
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await curl('GET', new URL(asset, `${ts.url}/api/docs/`).href);
      expect(res.status, asset).toBe(200);
    }
  });
});

describe('REST rate limits', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer('pglite', { RATE_LIMIT_QUERIES_PER_MIN: '3' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('answers 429 with Retry-After and a problem once a caller spends its query tier', async () => {
    const statuses: number[] = [];
    let limited: CurlResponse | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const res = await curl('GET', `${ts.url}/api/v1/leaderboard/week`);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    if (!limited) throw new Error(`never limited: ${statuses.join(', ')}`);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      retryAfterSeconds: Number(limited.headers['retry-after']),
    });
  });
});
