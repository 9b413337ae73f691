/**
 * Fault tests, bounded in time: the database restarted under load.
 */

import { createClient } from '@goated/api/client';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/app';
import { loadConfig } from '../src/config';
import { type PrivatePostgres, privatePostgresAvailable, startPrivatePostgres } from './support/private-postgres';

const available = privatePostgresAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error('CI=true but PostgreSQL server binaries are missing: the database fault tests must run.');
}

describe.runIf(available)('PostgreSQL restarted under load', () => {
  let pg: PrivatePostgres;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      SYNC_ENABLED: 'false',
      WEB_DIST: '/nonexistent',
      DATABASE_URL: pg.url,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'fault test password',
      RATE_LIMIT_QUERIES_PER_MIN: '100000',
    });
    server = await createServer(config);
    url = await server.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    pg?.destroy();
  });

  it('fails requests cleanly during the outage, recovers after, and never crashes', async () => {
    const { api, close } = createClient({ url });
    const outcomes: string[] = [];
    let running = true;
    // Bounded load: 8 concurrent loops until told to stop (at most ~30 s).
    const deadline = Date.now() + 30_000;
    const loops = Array.from({ length: 8 }, async () => {
      while (running && Date.now() < deadline) {
        // Not a cached read: the cache would (rightly) keep answering through the outage.
        const outcome = await api.races.list.query({}).then(
          () => 'ok',
          (err: unknown) => (err instanceof TRPCClientError ? `${err.data?.code}:${err.message}` : String(err)),
        );
        outcomes.push(outcome);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 800));
      pg.stop('immediate');
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      // Longer than the read retries (~1 s), so some requests must give up.
      await new Promise((r) => setTimeout(r, 4000));
      pg.start();
      // Back to normal: the pool reconnects by itself.
      const recoveredBy = Date.now() + 15_000;
      while (Date.now() < recoveredBy) {
        if ((await fetch(`${url}/health/ready`)).status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      const before = outcomes.length;
      await new Promise((r) => setTimeout(r, 800));
      running = false;
      await Promise.all(loops);
      const after = outcomes.slice(before);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((o) => o !== 'ok')).toEqual([]);
      const failures = outcomes.filter((o) => o !== 'ok');
      expect(failures.length).toBeGreaterThan(0);
      // Every failure during the outage was the clear, retry-able one; nothing leaked.
      expect(new Set(failures)).toEqual(new Set(['SERVICE_UNAVAILABLE:The database is unavailable; retry shortly']));
    } finally {
      running = false;
      await Promise.all(loops);
      await close();
    }
    // The process is still here and serving.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 60_000);
});
