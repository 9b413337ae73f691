import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const required = { TELEGRAM_BOT_TOKEN: '123456:ABC-def', BOT_API_KEY: 'gvk_abc123' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('bot configuration', () => {
  it('names every missing variable at once', () => {
    const problems = problemsOf({});
    expect(problems).toEqual([
      expect.stringMatching(/^TELEGRAM_BOT_TOKEN is required \(the token @BotFather gave you/),
      expect.stringMatching(/^BOT_API_KEY is required \(an API key with the bot scope/),
    ]);
  });

  it('polls by default', () => {
    expect(loadConfig(required)).toEqual({
      telegram: { token: '123456:ABC-def', apiRoot: undefined },
      api: { url: 'http://127.0.0.1:5000', key: 'gvk_abc123' },
      mode: { kind: 'polling' },
    });
  });

  it('needs a secret for webhook mode, and serves on 127.0.0.1:5001 by default', () => {
    expect(problemsOf({ ...required, BOT_MODE: 'webhook' })).toEqual([
      expect.stringMatching(/^TELEGRAM_WEBHOOK_SECRET is required when BOT_MODE=webhook/),
    ]);
    expect(loadConfig({ ...required, BOT_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: 's3cret_token' }).mode).toEqual({
      kind: 'webhook',
      host: '127.0.0.1',
      port: 5001,
      secretToken: 's3cret_token',
    });
    const everywhere = { ...required, BOT_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: 's', BOT_WEBHOOK_HOST: '0.0.0.0' };
    expect(loadConfig(everywhere).mode).toMatchObject({ host: '0.0.0.0' });
  });

  it('rejects malformed values with the variable named', () => {
    expect(
      problemsOf({
        ...required,
        BOT_API_KEY: 'not-a-key',
        WEBHOOK_PORT: '70000',
      }),
    ).toEqual([
      'BOT_API_KEY does not look like an API key (expected gvk_…)',
      'WEBHOOK_PORT must be between 1 and 65535',
    ]);
  });
});
