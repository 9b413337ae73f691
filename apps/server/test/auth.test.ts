import { createClient } from '@goated/client';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const PASSWORD = 'correct horse battery';

/** A raw tRPC HTTP call, as a browser would make it. */
async function call(
  url: string,
  path: string,
  options: { input?: unknown; cookie?: string; origin?: string; method?: 'GET' | 'POST' } = {},
) {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  const body = JSON.stringify({ json: options.input ?? null });
  const target = method === 'GET' ? `${url}/trpc/${path}?input=${encodeURIComponent(body)}` : `${url}/trpc/${path}`;
  const res = await fetch(target, { method, headers, body: method === 'POST' ? body : undefined });
  const json: unknown = await res.json();
  return { res, json };
}

function cookieFrom(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('goated_session='));
  if (!cookie) throw new Error('no session cookie set');
  return cookie.split(';')[0] ?? '';
}

describe.each(testBackends())('authentication over HTTP and WebSocket on %s', (kind) => {
  let t: TestServer;
  let admin: ReturnType<typeof createClient>;

  beforeAll(async () => {
    t = await startTestServer(kind, { ALLOWED_ORIGINS: 'https://dashboard.example' });
    const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    admin = createClient({ url: t.url, token: token ?? '' });
  });
  afterAll(async () => {
    await admin?.close();
    await t?.close();
  });

  it('bootstraps the admin from ADMIN_USERNAME and ADMIN_PASSWORD', async () => {
    const me = await admin.api.auth.me.query();
    expect(me).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('signs a browser in with an HttpOnly, SameSite=Lax cookie', async () => {
    await t.client.api.auth.signUp.mutate({ username: 'browser_user', password: PASSWORD, mode: 'token' });
    const { res, json } = await call(t.url, 'auth.signIn', {
      input: { username: 'browser_user', password: PASSWORD },
      origin: t.url,
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/goated_session=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i);
    // The token never reaches page scripts in cookie mode.
    expect(JSON.stringify(json)).toMatch(/"token":null/);

    const cookie = cookieFrom(res);
    const me = await call(t.url, 'auth.me', { method: 'GET', cookie });
    expect(JSON.stringify(me.json)).toContain('browser_user');
  });

  it('refuses a state-changing request that carries the cookie from another origin', async () => {
    const { res: signedIn } = await call(t.url, 'auth.signIn', {
      input: { username: 'browser_user', password: PASSWORD },
      origin: t.url,
    });
    const cookie = cookieFrom(signedIn);
    const foreign = await call(t.url, 'auth.signOut', { cookie, origin: 'https://evil.example' });
    expect(foreign.res.status).toBe(403);
    expect(JSON.stringify(foreign.json)).toContain('Cross-origin request refused');
    const noOrigin = await call(t.url, 'auth.signOut', { cookie });
    expect(noOrigin.res.status).toBe(403);
    // Reads from another origin are served as signed out.
    const foreignRead = await call(t.url, 'auth.me', { method: 'GET', cookie, origin: 'https://evil.example' });
    expect(JSON.stringify(foreignRead.json)).toContain('"json":null');
    // An allowed origin and our own origin work.
    const allowed = await call(t.url, 'auth.me', { method: 'GET', cookie, origin: 'https://dashboard.example' });
    expect(JSON.stringify(allowed.json)).toContain('browser_user');
    const own = await call(t.url, 'auth.signOut', { cookie, origin: t.url });
    expect(own.res.status).toBe(200);
    expect(own.res.headers.getSetCookie().join()).toMatch(/goated_session=;/);
  });

  it('lets a script with an API key read an admin-only procedure, and refuses it without one', async () => {
    const { key } = await admin.api.admin.apiKeys.create.mutate({ name: 'report script', scopes: ['read'] });
    const script = createClient({ url: t.url, token: key });
    try {
      const users = await script.api.admin.users.list.query({});
      expect(users.users.map((u) => u.username)).toContain('admin');
    } finally {
      await script.close();
    }
    const error = await t.client.api.admin.users.list.query({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ data: { code: 'UNAUTHORIZED', httpStatus: 401 } });
  });

  it('answers a revoked key with UNAUTHORIZED', async () => {
    const { key, apiKey } = await admin.api.admin.apiKeys.create.mutate({ name: 'soon gone', scopes: ['read'] });
    await admin.api.admin.apiKeys.revoke.mutate({ id: apiKey.id });
    const script = createClient({ url: t.url, token: key });
    try {
      await expect(script.api.admin.users.list.query({})).rejects.toMatchObject({
        message: 'This API key is revoked',
        data: { code: 'UNAUTHORIZED' },
      });
    } finally {
      await script.close();
    }
  });

  it('closes a banned user’s open WebSocket subscription with FORBIDDEN', async () => {
    const { user } = await t.client.api.auth.signUp.mutate({ username: 'ws_user', password: PASSWORD, mode: 'token' });
    const { token } = await t.client.api.auth.signIn.mutate({ username: 'ws_user', password: PASSWORD, mode: 'token' });
    const client = createClient({ url: t.url, token: token ?? '' });
    try {
      const events: string[] = [];
      const ended = new Promise<unknown>((resolve) => {
        client.api.leaderboard.onUpdate.subscribe(
          { period: 'month' },
          { onData: () => events.push('data'), onError: (err) => resolve(err) },
        );
      });
      await vi.waitFor(() => expect(events).toContain('data'), { timeout: 10_000 });
      await admin.api.admin.users.update.mutate({ userId: user.id, banned: true });
      const error = await ended;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error).toMatchObject({ message: 'This account is banned', data: { code: 'FORBIDDEN' } });
    } finally {
      await client.close();
    }
  });
});

describe('rate limits over HTTP', () => {
  it('answers 429 with Retry-After once the auth tier is spent', async () => {
    const t = await startTestServer('pglite', { RATE_LIMIT_AUTH_PER_MIN: '2' });
    try {
      const attempt = () => call(t.url, 'auth.signIn', { input: { username: 'nobody', password: 'x', mode: 'token' } });
      expect((await attempt()).res.status).toBe(401);
      expect((await attempt()).res.status).toBe(401);
      const limited = await attempt();
      expect(limited.res.status).toBe(429);
      expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(JSON.stringify(limited.json)).toMatch(/"retryAfterSeconds":\d+/);
    } finally {
      await t.close();
    }
  });

  it('marks the cookie Secure in production', async () => {
    const t = await startTestServer('pglite', { NODE_ENV: 'production' });
    try {
      const { res } = await call(t.url, 'auth.signIn', { input: TEST_ADMIN, origin: t.url });
      expect(res.headers.getSetCookie().join()).toMatch(/Secure/);
    } finally {
      await t.close();
    }
  });
});

describe('admin bootstrap', () => {
  it('creates an admin with a generated password printed once when none is configured', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const t = await startTestServer('pglite', { ADMIN_USERNAME: '', ADMIN_PASSWORD: '' });
    try {
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      const password = /with password (\S+)/.exec(printed)?.[1] ?? '';
      expect(password.length).toBeGreaterThanOrEqual(20);
      const session = await t.client.api.auth.signIn.mutate({ username: 'admin', password, mode: 'token' });
      expect(session.user.role).toBe('admin');
    } finally {
      log.mockRestore();
      await t.close();
    }
  });
});
