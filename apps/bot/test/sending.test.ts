/**
 * Sending notifications to Telegram: retries through the library and the bot's own delivery
 * queue, undeliverable messages logged, the throttle's per-chat rate and what stop() leaves.
 */
import { serverError, TOKEN, tooManyRequests } from '@goated/testing/telegram';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBot, type Logger } from '../src/bot';
import { createDelivery } from '../src/delivery';
import { stubApi, useStubBot } from './support/stub-bot';

const stub = useStubBot();

describe('sending notifications', () => {
  const logged: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: (_fields, m) => logged.push(`warn: ${m}`),
    error: (_fields, m) => logged.push(`error: ${m}`),
  };
  beforeEach(() => {
    logged.length = 0;
  });

  it('retries 429 (after retry_after) and 5xx through the library, then delivers', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot: stub.apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: null, retryBackoffMs: 1, maxRetries: 3 },
    });
    stub.telegram.failNext('sendMessage', tooManyRequests(0), serverError, serverError);
    await expect(delivery.send(77, 'hello', 'test')).resolves.toBe(true);
    expect(stub.telegram.textsTo(77)).toEqual(['hello']);
    expect(logged).toEqual([]);
  });

  it('tries again later when the library gives up on a transient failure', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot: stub.apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: null, retryBackoffMs: 1, maxRetries: 0 },
      delivery: { retryDelaysMs: [20, 20] },
    });
    stub.telegram.failNext('sendMessage', serverError, serverError);
    await expect(delivery.send(78, 'later', 'test')).resolves.toBe(true);
    expect(stub.telegram.textsTo(78)).toEqual(['later']);
    expect(logged.filter((l) => l.startsWith('warn: Sending test to chat 78 failed'))).toHaveLength(2);
    expect(delivery.stats()).toEqual({ delivered: 1, failed: 0, waiting: 0 });
  });

  it('logs a message that cannot be delivered instead of dropping it silently', async () => {
    const delivery = createDelivery(stub.makeBot(stubApi().api).api, { logger, retryDelaysMs: [10] });
    stub.telegram.blockChat(79);
    await expect(delivery.send(79, 'nope', 'race 1 result')).resolves.toBe(false);
    expect(logged).toEqual([
      'error: Notification not delivered (race 1 result) to chat 79: Telegram answered 403: Forbidden: bot was blocked by the user',
    ]);
    stub.telegram.failNext('sendMessage', serverError, serverError);
    const bot = stub.makeBot(stubApi().api, { telegram: { rateLimit: null, maxRetries: 0 } });
    const patient = createDelivery(bot.api, { logger, retryDelaysMs: [10] });
    await expect(patient.send(80, 'twice unlucky', 'broadcast')).resolves.toBe(false);
    expect(patient.stats()).toEqual({ delivered: 0, failed: 1, waiting: 0 });
  });

  it('gives up waiting retries on stop, logging each', async () => {
    const bot = stub.makeBot(stubApi().api, { telegram: { rateLimit: null, maxRetries: 0 } });
    const delivery = createDelivery(bot.api, { logger, retryDelaysMs: [60_000] });
    stub.telegram.failNext('sendMessage', serverError);
    const pending = delivery.send(81, 'slow', 'broadcast');
    await stub.telegram.waitFor(() => delivery.stats().waiting === 1);
    delivery.stop();
    await expect(pending).resolves.toBe(false);
    expect(logged.at(-1)).toContain('Notification not delivered (broadcast) to chat 81');
  });

  it('logs the sends still queued in the throttle when stopped', async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot: stub.apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: { perChat: 0.1 } },
    });
    const first = delivery.send(83, 'now', 'broadcast');
    const second = delivery.send(83, 'in ten seconds', 'broadcast');
    await expect(first).resolves.toBe(true);
    delivery.stop();
    await expect(second).resolves.toBe(false);
    expect(logged).toEqual([
      'error: Notification not delivered (broadcast) to chat 83: the bot stopped before it was sent',
    ]);
  });

  it("keeps to the throttle's per-chat rate", async () => {
    const { delivery } = createBot({
      token: TOKEN,
      apiRoot: stub.apiRoot,
      api: stubApi().api,
      logger,
      telegram: { rateLimit: { perChat: 2 } },
    });
    const started = Date.now();
    await Promise.all([1, 2, 3].map((n) => delivery.send(82, `n${n}`, 'test')));
    // A burst of two, then one every 500 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(stub.telegram.textsTo(82)).toHaveLength(3);
  });
});
