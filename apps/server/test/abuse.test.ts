/**
 * Abuse at the edges, against the real server on both databases: guessing credentials is rate
 * limited per address and audited as one row, not one per attempt; the session cookie counts
 * only from our own full origin (scheme included) — `Origin: null` is foreign, on a WebSocket
 * upgrade too; deployments sharing a Redis keep their rate-limit counters apart.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { createTestDb, testBackends } from '@goated/testing/db';
import { redisTestUrl } from '@goated/testing/redis';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const PASSWORD = 'correct horse battery';

async function call(
  url: string,
  path: string,
  options: { input?: unknown; headers?: Record<string, string>; method?: 'GET' | 'POST' } = {},
) {
  const method = options.method ?? 'POST';
  const body = JSON.stringify({ json: options.input ?? null });
  const target = method === 'GET' ? `${url}/trpc/${path}?input=${encodeURIComponent(body)}` : `${url}/trpc/${path}`;
  const res = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: method === 'POST' ? body : undefined,
  });
  return { res, text: await res.text() };
}

/** `auth.me` over a WebSocket opened with these upgrade headers: the username, or null. */
async function meOverWebSocket(url: string, headers: Record<string, string>): Promise<string | null> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/trpc`, { headers });
  try {
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const answer = new Promise<unknown>((resolve) =>
      socket.on('message', (data) => {
        const message: unknown = JSON.parse(String(data));
        if (typeof message === 'object' && message !== null && 'id' in message && message.id === 1) resolve(message);
      }),
    );
    socket.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: { json: null } } }));
    const text = JSON.stringify(await answer);
    return /"username":"([^"]+)"/.exec(text)?.[1] ?? null;
  } finally {
    socket.terminate();
  }
}

describe.each(testBackends())('abuse at the edges on %s', (kind) => {
  let t: TestServer;
  let admin: ReturnType<typeof createClient>;
  let cookie: string;

  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestDb(kind)).close();
    // Addresses come from X-Forwarded-For (one trusted hop), so a test can speak from several.
    t = await startTestServer(kind, { TRUST_PROXY: '1' });
    const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    admin = createClient({ url: t.url, token: token ?? '' });
    await t.client.api.auth.signUp.mutate({ username: 'cookie_holder', password: PASSWORD, mode: 'token' });
    const signedIn = await call(t.url, 'auth.signIn', {
      input: { username: 'cookie_holder', password: PASSWORD },
      headers: { origin: t.url },
    });
    const set = signedIn.res.headers.getSetCookie().find((c) => c.startsWith('goated_session='));
    cookie = set?.split(';')[0] ?? '';
  });
  afterAll(async () => {
    await admin?.close();
    await t?.close();
  });

  describe('guessing credentials', () => {
    it('refuses an address after 20 refused credentials, before checking anything, and audits one row per key', async () => {
      const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'leaked', scopes: ['read'] });
      await admin.api.admin.apiKeys.revoke.mutate({ id: apiKey.id });
      const from = (ip: string, token: string) =>
        call(t.url, 'admin.stats', {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip },
        });

      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await from('203.0.113.7', key)).res.status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual(Array(10).fill(429));
      const limited = await from('203.0.113.7', 'gvk_a-guess');
      expect(limited.res.status).toBe(429);
      expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.text).toContain('Too many refused credentials from this address');
      // Session tokens count the same; another address is unaffected.
      expect((await from('203.0.113.8', 'not-a-session-token')).res.status).toBe(401);

      const denied = await t.db.db
        .select()
        .from(schema.auditLog)
        .where(and(eq(schema.auditLog.action, 'apiKey.denied'), eq(schema.auditLog.targetId, String(apiKey.id))));
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ ip: '203.0.113.7', details: { status: 'revoked', count: 20 } });
    });
  });

  describe('password guessing over HTTP', () => {
    const signIn = (ip: string, username: string, password: string) =>
      call(t.url, 'auth.signIn', {
        input: { username, password, mode: 'token' },
        headers: { 'x-forwarded-for': ip },
      }).then((r) => r.res.status);

    it('a stranger’s failures from several addresses do not lock the owner out', async () => {
      await t.client.api.auth.signUp.mutate({ username: 'guessed_at', password: PASSWORD, mode: 'token' });
      const statuses: number[] = [];
      for (const ip of ['203.0.113.31', '203.0.113.32', '203.0.113.33']) {
        for (let i = 0; i < 5; i++) statuses.push(await signIn(ip, 'guessed_at', `guess ${i}`));
      }
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(await signIn('203.0.113.31', 'guessed_at', PASSWORD)).toBe(429);
      expect(await signIn('198.51.100.31', 'guessed_at', PASSWORD)).toBe(200);
    });
  });

  describe('the bot acting for Telegram users over HTTP', () => {
    it('counts each Telegram user against their own budget, not the bot key’s', async () => {
      const { key } = await admin.api.admin.apiKeys.create.mutate({ name: 'http bot', scopes: ['bot'] });
      const bot = createClient({ url: t.url, token: key });
      try {
        for (let i = 0; i < 30; i++) await bot.api.telegram.userByTelegramId.query({ telegramId: 88_001 });
        await expect(bot.api.telegram.userByTelegramId.query({ telegramId: 88_001 })).rejects.toMatchObject({
          data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 },
        });
        await expect(bot.api.telegram.userByTelegramId.query({ telegramId: 88_002 })).resolves.toBeNull();
      } finally {
        await bot.close();
      }
    });
  });

  describe('the session cookie and origins', () => {
    const meWith = (headers: Record<string, string>) =>
      call(t.url, 'auth.me', { method: 'GET', headers: { cookie, ...headers } });

    it('counts the cookie from our own origin', async () => {
      expect((await meWith({ origin: t.url })).text).toContain('cookie_holder');
    });

    it('treats the same host under another scheme as foreign', async () => {
      const https = t.url.replace('http:', 'https:');
      expect((await meWith({ origin: https })).text).not.toContain('cookie_holder');
      const post = await call(t.url, 'auth.signOut', { headers: { cookie, origin: https } });
      expect(post.res.status).toBe(403);
    });

    it('treats Origin: null as foreign', async () => {
      expect((await meWith({ origin: 'null' })).text).not.toContain('cookie_holder');
      const post = await call(t.url, 'auth.signOut', { headers: { cookie, origin: 'null' } });
      expect(post.res.status).toBe(403);
    });

    it('does not sign a WebSocket in by cookie from Origin: null or a foreign origin', async () => {
      expect(await meOverWebSocket(t.url, { cookie, origin: t.url })).toBe('cookie_holder');
      expect(await meOverWebSocket(t.url, { cookie, origin: 'null' })).toBeNull();
      expect(await meOverWebSocket(t.url, { cookie, origin: 'https://evil.example' })).toBeNull();
      expect(await meOverWebSocket(t.url, { cookie, origin: t.url.replace('http:', 'https:') })).toBeNull();
    });

    it('believes X-Forwarded-Proto from a trusted proxy: https pages behind TLS keep their cookie', async () => {
      const https = t.url.replace('http:', 'https:');
      expect((await meWith({ origin: https, 'x-forwarded-proto': 'https' })).text).toContain('cookie_holder');
      expect(await meOverWebSocket(t.url, { cookie, origin: https, 'x-forwarded-proto': 'https' })).toBe(
        'cookie_holder',
      );
    });
  });
});

describe.skipIf(!redisTestUrl())('rate limits on a shared Redis', () => {
  it('keeps deployments with different REDIS_PREFIX apart', async () => {
    const redis = redisTestUrl() ?? '';
    const env = (prefix: string) => ({ REDIS_URL: redis, REDIS_PREFIX: prefix, RATE_LIMIT_AUTH_PER_MIN: '2' });
    const first = await startTestServer('pglite', env(`test:${randomUUID()}:`));
    const second = await startTestServer('pglite', env(`test:${randomUUID()}:`));
    try {
      const attempt = (t: TestServer) =>
        call(t.url, 'auth.signIn', { input: { username: 'nobody', password: 'x', mode: 'token' } });
      expect((await attempt(first)).res.status).toBe(401);
      expect((await attempt(first)).res.status).toBe(401);
      expect((await attempt(first)).res.status).toBe(429);
      expect((await attempt(second)).res.status).toBe(401);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
