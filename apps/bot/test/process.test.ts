/**
 * The bot as an operator starts it: a real process from main.ts, configured by its
 * environment, talking to a real server and a fake Telegram Bot API, stopped by a signal.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from '@goated/client';
import { freePort } from '@goated/testing';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { type FakeTelegram, startFakeTelegram, TOKEN } from '@goated/testing/telegram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = path.join(root, 'apps/bot/src/main.ts');
const run = promisify(execFile);
/** Starting a server, or a process through tsx, takes much longer on a busy machine. */
const SETUP_TIMEOUT_MS = 180_000;

/** The environment without anything the bot reads, plus `extra`. */
function botEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { TELEGRAM_BOT_TOKEN: _t, BOT_API_KEY: _k, API_URL: _a, BOT_MODE: _m, ...rest } = process.env;
  return { ...rest, ...extra };
}

async function runMain(env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', main], { cwd: root, env: botEnv(env), timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code?: number; stderr: string }) => ({ code: err.code ?? -1, stderr: err.stderr }),
  );
}

describe('bot process', () => {
  it('exits at once with a clear message when TELEGRAM_BOT_TOKEN is missing', async () => {
    const result = await runMain({});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid bot configuration');
    expect(result.stderr).toContain('TELEGRAM_BOT_TOKEN is required (the token @BotFather gave you');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  describe('with a server and Telegram', () => {
    let telegram: FakeTelegram;
    let t: TestServer;
    let key: string;
    let child: ChildProcess | undefined;
    let output = '';
    let port: number;

    beforeAll(async () => {
      telegram = await startFakeTelegram();
      t = await startTestServer('pglite');
      const { token } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
      const admin = createClient({ url: t.url, token: token ?? '' });
      try {
        key = (await admin.api.admin.apiKeys.create.mutate({ name: 'bot', scopes: ['bot'] })).key;
      } finally {
        await admin.close();
      }
      port = await freePort();
    }, SETUP_TIMEOUT_MS);
    afterAll(async () => {
      child?.kill('SIGKILL');
      await t?.close();
      await telegram?.close();
    });

    const env = () => ({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot, API_URL: t.url });

    it('exits with a clear message when the server refuses BOT_API_KEY', async () => {
      const result = await runMain({ ...env(), BOT_API_KEY: 'gvk_not-a-real-key' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`BOT_API_KEY was refused by ${t.url}`);
    }, 60_000);

    it('serves its webhook: a wrong secret is refused, the right one answered; SIGTERM stops it', async () => {
      child = spawn(process.execPath, ['--import', 'tsx', main], {
        cwd: root,
        env: botEnv({
          ...env(),
          BOT_API_KEY: key,
          BOT_MODE: 'webhook',
          WEBHOOK_PORT: String(port),
          TELEGRAM_WEBHOOK_SECRET: 'process_secret',
        }),
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await telegram.waitFor(() => output.includes('is serving its webhook'), 60_000);
      // Loopback unless BOT_WEBHOOK_HOST says otherwise: the proxy in front relays Telegram.
      expect(output).toContain(`is serving its webhook on 127.0.0.1:${port}`);
      expect(telegram.calls.map((c) => c.method)).toContain('setMyCommands');

      const update = (secret: string) =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: JSON.stringify({
            update_id: 1,
            message: { message_id: 1, date: 0, chat: { id: 4321, type: 'private' }, text: '/stats' },
          }),
        });
      expect((await update('wrong_secret')).status).toBe(401);
      expect(telegram.textsTo(4321)).toEqual([]);
      expect((await update('process_secret')).status).toBe(200);
      expect(telegram.textsTo(4321)).toEqual([
        "Your Telegram account isn't linked yet. Create a code on the dashboard (Profile → Telegram) and send /verify CODE here.",
      ]);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output).toContain('Stopped.');
    }, 90_000);
  });
});
