/**
 * `/metrics` is not public: a bearer token (METRICS_TOKEN), a listener of its own
 * (METRICS_HOST/METRICS_PORT), or by default only a direct scrape from this machine — nothing a
 * proxy relays (X-Forwarded-For) gets it.
 */

import { freePort } from '@goated/testing';
import { startTestServer } from '@goated/testing/server';
import { describe, expect, it } from 'vitest';

const TOKEN = 'a-metrics-token-long-enough';

describe('who may read /metrics', () => {
  it('by default: a direct local scrape, not a request relayed by a proxy', async () => {
    const t = await startTestServer('pglite');
    try {
      const direct = await fetch(`${t.url}/metrics`);
      expect(direct.status).toBe(200);
      expect(await direct.text()).toContain('goated_');
      const relayed = await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(relayed.status).toBe(404);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('with METRICS_TOKEN: only with the bearer token, from anywhere', async () => {
    const t = await startTestServer('pglite', { METRICS_TOKEN: TOKEN });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${t.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' },
      });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('goated_http_request');
    } finally {
      await t.close();
    }
  }, 120_000);

  it('with METRICS_PORT: on its own listener only (token too when set), not on the public port', async () => {
    const port = await freePort();
    const t = await startTestServer('pglite', {
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(port),
      METRICS_TOKEN: TOKEN,
    });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('goated_');
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
    } finally {
      await t.close();
    }
    // Closed with the server.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 120_000);
});
