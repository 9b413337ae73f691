/**
 * Revocation across instances: two servers on one database and one Redis, as behind a load
 * balancer. A key revoked or a user banned through instance A ends the connections opened on
 * instance B — at once over the bus, and when Redis is down, by B's database re-check: on its
 * timer during the outage, and as soon as the bus is back (also after Redis went silent, once
 * B's pings have found its connections dead and replaced them).
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@goated/client';
import { waitFor } from '@goated/testing';
import { createSharedTestDb, createTestDb, testBackends } from '@goated/testing/db';
import { canStartRedisServer, type RedisServer, redisTestUrl, startRedisServer } from '@goated/testing/redis';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SignedSocket, signedSocket } from './credential-helpers';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const sharedRedis = redisTestUrl();
const privateRedis = canStartRedisServer();
const PASSWORD = 'correct horse battery';
/** How a stream on a revoked key ends. */
const KEY_REVOKED = { message: 'This API key is revoked', data: { code: 'UNAUTHORIZED' } };

async function twoInstances(
  kind: Parameters<typeof createSharedTestDb>[0],
  redisUrl: string,
  recheckMs: number,
  moreEnv: Record<string, string> = {},
) {
  const db = await createSharedTestDb(kind);
  const env = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test:${randomUUID()}:`,
    CREDENTIAL_RECHECK_MS: String(recheckMs),
    ...moreEnv,
  };
  const a = await startTestServer(kind, env, { db: db.first });
  const b = await startTestServer(kind, env, { db: db.second });
  const { token } = await a.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
  const adminOnA = createClient({ url: a.url, token: token ?? '' });
  const sockets: SignedSocket[] = [];
  const connected = (t: TestServer) => t.server.deps.bus.health().connected;
  /** A socket to B signed in with `token`, with a stream running on it (id 1). */
  const streamOnB = async (token: string, path: string): Promise<SignedSocket> => {
    const socket = await signedSocket(b.url, token);
    sockets.push(socket);
    socket.call(1, 'subscription', path, {});
    await socket.frame(1, (f) => f.result?.type === 'started');
    return socket;
  };
  return {
    a,
    b,
    adminOnA,
    connected,
    /**
     * What A will revoke, open on B: a `read` key and a user signed in through A (a session
     * token), each with a stream running on B.
     */
    async openOnB(username: string) {
      const { key, apiKey } = await adminOnA.api.admin.apiKeys.create.mutate({ name: 'k', scopes: ['read'] });
      const keySocket = await streamOnB(key, 'logs.onLog');
      await a.client.api.auth.signUp.mutate({ username, password: PASSWORD, mode: 'token' });
      const session = await a.client.api.auth.signIn.mutate({ username, password: PASSWORD, mode: 'token' });
      const user = { id: session.user.id, token: session.token ?? '' };
      const userSocket = await streamOnB(user.token, 'notifications.onNotify');
      return { apiKeyId: apiKey.id, keySocket, user, userSocket };
    },
    close: async () => {
      for (const s of sockets) s.socket.terminate();
      await adminOnA.close();
      await a.close();
      await b.close();
      await db.close();
    },
  };
}

describe.each(testBackends())('revocation across instances on %s', (kind) => {
  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestDb(kind)).close();
  });

  it.skipIf(!sharedRedis)('a key revoked and a user banned on A end their connections on B at once', async () => {
    // The database re-check is out of reach here: only the bus can do it this fast.
    const setup = await twoInstances(kind, sharedRedis ?? '', 3_600_000);
    try {
      await waitFor(() => setup.connected(setup.a) && setup.connected(setup.b), { label: 'redis' });
      const { apiKeyId, keySocket, user, userSocket } = await setup.openOnB('banned_on_a');

      await setup.adminOnA.api.admin.apiKeys.revoke.mutate({ id: apiKeyId });
      await setup.adminOnA.api.admin.users.update.mutate({ userId: user.id, banned: true });
      expect(await keySocket.ended(1, 5000)).toEqual(KEY_REVOKED);
      expect(await userSocket.ended(1, 5000)).toEqual({
        message: 'This account is banned',
        data: { code: 'FORBIDDEN' },
      });
      keySocket.call(2, 'query', 'admin.stats');
      expect((await keySocket.reply(2)).error?.data?.code).toBe('UNAUTHORIZED');
    } finally {
      await setup.close();
    }
  });

  it.skipIf(!sharedRedis)(
    'with Redis gone silent, B drops its silent connections and ends what A revoked',
    async () => {
      // Every connection to Redis goes quiet without closing: without the liveness pings, B would
      // neither hear A's events nor notice anything to re-check for (its timer is an hour away).
      const proxy: TcpProxy = await startTcpProxy(new URL(sharedRedis ?? ''));
      const setup = await twoInstances(kind, `redis://${new URL(proxy.url).host}`, 3_600_000, {
        REDIS_PING_MS: '200',
        REDIS_PING_TIMEOUT_MS: '500',
      });
      try {
        await waitFor(() => setup.connected(setup.a) && setup.connected(setup.b), { label: 'redis' });
        const { apiKeyId, keySocket, user, userSocket } = await setup.openOnB('signed_out_in_silence');

        proxy.blackhole();
        await setup.adminOnA.api.admin.apiKeys.revoke.mutate({ id: apiKeyId });
        await createClient({ url: setup.a.url, token: user.token }).api.auth.signOut.mutate();
        expect(await keySocket.ended(1, 10_000)).toEqual(KEY_REVOKED);
        expect((await userSocket.ended(1, 10_000)).data?.code).toBe('UNAUTHORIZED');
      } finally {
        await setup.close();
        await proxy.close();
      }
    },
  );

  describe.skipIf(!privateRedis)('while Redis is down', () => {
    it('B’s timed database re-check ends what A revoked, before Redis is back', async () => {
      const redis: RedisServer = await startRedisServer();
      const setup = await twoInstances(kind, redis.url, 500);
      try {
        await waitFor(() => setup.connected(setup.a) && setup.connected(setup.b), { label: 'redis' });
        const { apiKeyId, keySocket, user, userSocket } = await setup.openOnB('banned_in_outage');

        await redis.kill();
        await waitFor(() => !setup.connected(setup.a) && !setup.connected(setup.b), {
          label: 'both instances to notice',
        });
        await setup.adminOnA.api.admin.apiKeys.revoke.mutate({ id: apiKeyId });
        await setup.adminOnA.api.admin.users.update.mutate({ userId: user.id, banned: true });

        expect(await keySocket.ended(1, 10_000)).toEqual(KEY_REVOKED);
        expect(await userSocket.ended(1, 10_000)).toEqual({
          message: 'This account is banned',
          data: { code: 'FORBIDDEN' },
        });
        expect(setup.connected(setup.b)).toBe(false);
        userSocket.call(2, 'query', 'auth.me');
        expect((await userSocket.reply(2)).error?.data?.code).toBe('FORBIDDEN');
      } finally {
        await setup.close();
        await redis.kill();
      }
    });

    it('B re-checks as soon as the bus is back, and ends what A revoked during the outage', async () => {
      const redis: RedisServer = await startRedisServer();
      // An hour between timed re-checks: only the reconnection can end these in time.
      const setup = await twoInstances(kind, redis.url, 3_600_000);
      try {
        await waitFor(() => setup.connected(setup.a) && setup.connected(setup.b), { label: 'redis' });
        const { apiKeyId, keySocket, user, userSocket } = await setup.openOnB('signed_out_in_outage');

        await redis.kill();
        await waitFor(() => !setup.connected(setup.a) && !setup.connected(setup.b), {
          label: 'both instances to notice',
        });
        await setup.adminOnA.api.admin.apiKeys.revoke.mutate({ id: apiKeyId });
        await createClient({ url: setup.a.url, token: user.token }).api.auth.signOut.mutate();
        // The events were lost with Redis: B's connections still stand, and B still serves them.
        keySocket.call(2, 'query', 'admin.stats');
        expect((await keySocket.reply(2)).result?.type).toBe('data');

        await redis.start();
        await waitFor(() => setup.connected(setup.b), { label: 'B to reconnect', timeoutMs: 15_000 });
        expect(await keySocket.ended(1, 10_000)).toEqual(KEY_REVOKED);
        expect((await userSocket.ended(1, 10_000)).data?.code).toBe('UNAUTHORIZED');
      } finally {
        await setup.close();
        await redis.kill();
      }
    });
  });
});
