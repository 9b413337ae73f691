/**
 * The multi-instance deployment as `pnpm deploy:local` runs it: the Debian nginx in front of
 * two server processes sharing PostgreSQL and Redis, and the bot process behind the same
 * nginx. Under CI a missing nginx, PostgreSQL or Redis fails the suite instead of skipping it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { fileURLToPath } from 'node:url';
import type { AppRouter, RouterOutputs } from '@goated/api';
import { createClient } from '@goated/client';
import { fullHealth, waitFor } from '@goated/testing';
import { createTestDatabaseUrl } from '@goated/testing/db';
import { redisTestUrl } from '@goated/testing/redis';
import { TEST_ADMIN } from '@goated/testing/server';
import { type FakeTelegram, startFakeTelegram, TOKEN } from '@goated/testing/telegram';
import { upstreamRecord } from '@goated/testing/upstream';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findNginx, type Instance, type LocalDeployment, startLocalDeployment } from '../../../scripts/deploy/local';

type Page = RouterOutputs['leaderboard']['top'];

/** A self-signed certificate for 127.0.0.1, for this test only. */
const tlsFiles = {
  certFile: fileURLToPath(new URL('./fixtures/tls/test-only.cert.pem', import.meta.url)),
  keyFile: fileURLToPath(new URL('./fixtures/tls/test-only.key.pem', import.meta.url)),
};
const ca = readFileSync(tlsFiles.certFile);

/** `ws`, trusting the test certificate. */
class TrustingWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols, { ca });
  }
}

function prerequisites(): boolean {
  const missing: string[] = [];
  try {
    findNginx();
  } catch (err) {
    missing.push(err instanceof Error ? err.message : String(err));
  }
  if (!process.env.DATABASE_URL) missing.push('DATABASE_URL is not set');
  if (!redisTestUrl()) missing.push('REDIS_URL is not set');
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI=true but the deployment test cannot run: ${missing.join('; ')}`);
  }
  return missing.length === 0;
}

const SECRET = 'deployment_webhook_secret';
let clock = Date.parse('2026-03-01T00:00:00Z');
const record = (uid: string, amount: number) => {
  clock += 60_000;
  return upstreamRecord(uid, amount, new Date(clock).toISOString(), `Player ${uid}`);
};

describe.runIf(prerequisites())('the deployment behind nginx', () => {
  let telegram: FakeTelegram;
  let database: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let deployment: LocalDeployment;
  let adminToken: string;
  let ingestKey: string;
  const output: string[] = [];

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    database = await createTestDatabaseUrl();
    deployment = await startLocalDeployment({
      databaseUrl: database.url,
      redisUrl: redisTestUrl() ?? '',
      redisPrefix: `test:${randomUUID()}:`,
      admin: TEST_ADMIN,
      serverEnv: {
        LOG_LEVEL: 'warn',
        SYNC_ENABLED: 'false',
        SEED_DEMO_DATA: 'false',
        LEADERBOARD_PUSH_INTERVAL_MS: '100',
      },
      bot: { token: TOKEN, apiRoot: telegram.apiRoot, webhookSecret: SECRET },
      tls: tlsFiles,
      log: (source, line) => output.push(`[${source}] ${line}`),
    }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${output.join('\n')}`);
    });
    const viaNginx = createClient({ url: deployment.url });
    try {
      adminToken = (await viaNginx.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' })).token ?? '';
    } finally {
      await viaNginx.close();
    }
    const admin = createClient({ url: deployment.url, token: adminToken });
    try {
      ingestKey = (await admin.api.admin.apiKeys.create.mutate({ name: 'ingest', scopes: ['ingest'] })).key;
    } finally {
      await admin.close();
    }
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
    await database?.drop();
    await telegram?.close();
  }, 60_000);

  it('never serves /metrics through nginx', async () => {
    expect((await fetch(`${deployment.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${deployment.url}/health`)).status).toBe(200);
  });

  it('runs the bot behind nginx: Telegram reaches its webhook through nginx, and it reaches the servers through nginx', async () => {
    const viaNginx = createClient({ url: deployment.url, token: adminToken });
    try {
      await waitFor(async () => fullHealth(await viaNginx.api.health.status.query()).bot.connected, {
        label: 'the bot to be seen',
        timeoutMs: 20_000,
      });
    } finally {
      await viaNginx.close();
    }
    const update = (secret: string) =>
      fetch(`${deployment.url}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify({
          update_id: 1,
          message: { message_id: 1, date: 0, chat: { id: 4321, type: 'private' }, text: '/leaderboard all' },
        }),
      });
    expect((await update('wrong')).status).toBe(401);
    expect((await update(SECRET)).status).toBe(200);
    await telegram.waitFor(() => telegram.textsTo(4321).length > 0, 20_000);
    expect(telegram.textsTo(4321)[0]).toMatch(/All time/);
  }, 60_000);

  it('terminates TLS at nginx: HTTPS and a WSS subscription reach the instances', async () => {
    const httpsUrl = deployment.httpsUrl ?? '';
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${httpsUrl}/health`, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(health).toEqual({ status: 200, body: '{"status":"ok"}' });

    const wsClient = createWSClient({
      url: `${httpsUrl.replace(/^https/, 'wss')}/trpc`,
      WebSocket: TrustingWebSocket as unknown as typeof globalThis.WebSocket,
    });
    const secure = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    try {
      expect((await secure.health.status.query()).status).toBe('ok');
      const first = await new Promise<Page>((resolve, reject) => {
        const sub = secure.leaderboard.onUpdate.subscribe(
          { period: 'all', limit: 10 },
          {
            onData: ({ data }) => {
              sub.unsubscribe();
              resolve(data);
            },
            onError: reject,
          },
        );
      });
      expect(first.period).toBe('all');
    } finally {
      wsClient.close();
    }
  }, 60_000);

  it('delivers a change made through instance B to a client subscribed through nginx on A; when A stops, the client resumes on B', async () => {
    const connections = async (instance: Instance) => {
      const direct = createClient({ url: instance.url, token: adminToken });
      try {
        // Accepted since start: only grows, so a connection closing meanwhile cannot blur it.
        return (await direct.api.admin.stats.query()).realtime?.connections.total ?? 0;
      } finally {
        await direct.close();
      }
    };
    const before = await Promise.all(deployment.instances.map(connections));

    const subscriber = createClient({ url: deployment.url });
    const pages: Page[] = [];
    const errors: unknown[] = [];
    const subscription = subscriber.api.leaderboard.onUpdate.subscribe(
      { period: 'all', limit: 10 },
      { onData: ({ data }) => pages.push(data), onError: (err) => errors.push(err) },
    );
    const names = () => new Set(pages.flatMap((p) => p.entries.map((e) => e.name)));
    try {
      await waitFor(() => pages.length > 0, { label: 'the first snapshot through nginx', timeoutMs: 20_000 });
      // Which instance did nginx give the subscriber? The one that accepted one more connection.
      const after = await Promise.all(deployment.instances.map(connections));
      const index = after.findIndex((n, i) => n === (before[i] ?? 0) + 1);
      expect(index).toBeGreaterThanOrEqual(0);
      const a = deployment.instances[index];
      const b = deployment.instances[1 - index];
      if (!a || !b) throw new Error('two instances expected');

      // A change made on B reaches the subscriber on A (over Redis).
      const onB = createClient({ url: b.url, token: ingestKey });
      try {
        await onB.api.sync.ingest.mutate({ records: [record('via-b', 100)] });
      } finally {
        await onB.close();
      }
      await waitFor(() => names().has('Player via-b'), {
        label: 'the change made on B to arrive through A',
        timeoutMs: 20_000,
      });

      // Stop A: its clients are told to reconnect, nginx sends them to B, and the stream resumes.
      expect(await a.stop()).toBe(0);
      const seenBefore = pages.length;
      const viaNginx = createClient({ url: deployment.url, token: ingestKey });
      try {
        await viaNginx.api.sync.ingest.mutate({ records: [record('after-failover', 200)] });
      } finally {
        await viaNginx.close();
      }
      await waitFor(() => names().has('Player after-failover'), {
        label: 'the stream to resume on B',
        timeoutMs: 30_000,
      });
      expect(pages.length).toBeGreaterThan(seenBefore);
      expect(pages.at(-1)?.entries.map((e) => e.name)).toEqual(['Player after-failover', 'Player via-b']);
      expect(await connections(b)).toBeGreaterThanOrEqual((after[1 - index] ?? 0) + 1);
      expect(errors).toEqual([]);
    } finally {
      subscription.unsubscribe();
      await subscriber.close();
    }
  }, 90_000);
});
