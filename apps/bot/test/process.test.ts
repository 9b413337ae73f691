/** The bot as an operator starts it: a real process from main.ts, configured by its environment. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = path.join(root, 'apps/bot/src/main.ts');
const run = promisify(execFile);

describe('bot process', () => {
  it('exits at once with a clear message when TELEGRAM_BOT_TOKEN is missing', async () => {
    const { TELEGRAM_BOT_TOKEN: _token, BOT_API_KEY: _key, ...env } = process.env;
    const result = await run(process.execPath, ['--import', 'tsx', main], { cwd: root, env, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr: string }) => ({ code: err.code ?? -1, stderr: err.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid bot configuration');
    expect(result.stderr).toContain('TELEGRAM_BOT_TOKEN is required (the token @BotFather gave you');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
