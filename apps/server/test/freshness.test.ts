/**
 * Data freshness: when the upstream keeps failing, clients still get the last good data, and
 * `health.status` (what the dashboard and the bot read) marks it stale with its age.
 */

import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { fullHealth } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each(testBackends())('data freshness on %s', (kind) => {
  let feed: FakeUpstream;
  let t: TestServer;
  let admin: ReturnType<typeof createClient>;

  beforeAll(async () => {
    feed = await startFakeUpstream();
    t = await startTestServer(kind, {
      SEED_DEMO_DATA: 'false',
      AFFILIATE_API_URL: feed.url,
      AFFILIATE_RETRIES: '0',
      DATA_STALE_AFTER_SECONDS: '600',
    });
    const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    admin = createClient({ url: t.url, token: token ?? undefined });
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await t?.close();
    await feed?.close();
  });

  it('is fresh right after a successful sync', async () => {
    expect((await t.client.api.health.status.query()).freshness).toMatchObject({
      stale: false,
      lastSuccessAt: null,
      staleAfterSeconds: 600,
    });
    feed.reply({ json: [upstreamRecord('p1', '42.00', '2026-01-01T00:00:00Z', 'Ann')] });
    expect(await admin.api.sync.runNow.mutate()).toMatchObject({ status: 'succeeded' });
    const { freshness } = await t.client.api.health.status.query();
    expect(freshness).toMatchObject({ stale: false, failingSince: null });
    expect(freshness.lastSuccessAt).toBeInstanceOf(Date);
    expect(freshness.ageSeconds).toBeLessThan(60);
  });

  it('marks the data stale with its age once the upstream has failed past the threshold, and still serves it', async () => {
    // The last success an hour ago; the upstream down since.
    await t.db.db.execute(
      sql`update ${schema.syncRuns} set started_at = started_at - interval '1 hour', finished_at = finished_at - interval '1 hour'`,
    );
    feed.reply({ status: 503, raw: 'down' });
    expect(await admin.api.sync.runNow.mutate()).toMatchObject({ status: 'failed' });

    const health = await t.client.api.health.status.query();
    expect(health.freshness.stale).toBe(true);
    expect(health.freshness.ageSeconds).toBeGreaterThanOrEqual(3600);
    expect(health.freshness.failingSince).toBeInstanceOf(Date);
    expect(fullHealth(await admin.api.health.status.query()).sync.lastStatus).toBe('failed');
    // Stale data is still data: readiness holds and the leaderboard answers from it.
    expect(health.status).toBe('ok');
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    const top = await t.client.api.leaderboard.top.query({ period: 'all' });
    expect(top.entries.map((e) => [e.name, e.wagered])).toEqual([['Ann', '42.00']]);
  });

  it('is fresh again after the next successful sync', async () => {
    feed.reply({ json: [upstreamRecord('p1', '50.00', '2026-01-02T00:00:00Z', 'Ann')] });
    expect(await admin.api.sync.runNow.mutate()).toMatchObject({ status: 'succeeded' });
    expect((await t.client.api.health.status.query()).freshness).toMatchObject({ stale: false, failingSince: null });
  });
});
