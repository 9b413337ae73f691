/** The webhook server in front of the bot: the secret token, the path, the method. */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/bot';
import { createWebhookServer, secretMatches } from '../src/webhook';
import { message, stubApi, useStubBot } from './support/stub-bot';

const stub = useStubBot();

describe('webhook server', () => {
  let server: Server;
  let url: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    const logger: Logger = { ...stub.quietLogger, warn: (_fields, m) => warnings.push(m) };
    server = createWebhookServer(stub.makeBot(stubApi().api), { secretToken: 'webhook_secret', path: '/tg', logger });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  const post = (secret: string | null, body = message('/help')) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }),
      },
      body: JSON.stringify(body),
    });

  it('refuses a wrong or missing secret with 401 and handles nothing', async () => {
    expect((await post('wrong')).status).toBe(401);
    expect((await post('webhook_secre')).status).toBe(401);
    expect((await post(null)).status).toBe(401);
    expect(stub.sent()).toEqual([]);
    expect(warnings).toEqual([
      'Webhook call with a wrong secret token refused',
      'Webhook call with a wrong secret token refused',
      'Webhook call with a missing secret token refused',
    ]);
  });

  it('handles an update with the right secret', async () => {
    const res = await post('webhook_secret');
    expect(res.status).toBe(200);
    expect(stub.sent()[0]?.text).toContain('Here is what I can do');
  });

  it('answers other paths and methods without touching the bot', async () => {
    expect((await fetch(url.replace('/tg', '/other'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect(stub.sent()).toEqual([]);
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretMatches('a', 'a'.repeat(200))).toBe(false);
    expect(secretMatches(['x', 'y'], 'x')).toBe(false);
    expect(secretMatches('same', 'same')).toBe(true);
  });
});
