/**
 * The server as an operator runs it: a real process started from main.ts, configured by its
 * environment, stopped by a signal.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = path.join(root, 'node_modules/.bin/tsx');
const main = path.join(root, 'apps/server/src/main.ts');
const run = promisify(execFile);

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, PORT: _port, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: 'warn', ...extra };
}

async function runMain(env: Record<string, string>) {
  return run(tsx, [main], { env: cleanEnv(env), timeout: 20_000 }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code?: number; stdout: string; stderr: string }) => ({
      code: err.code ?? -1,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

describe('server process', () => {
  it('exits at once with a message naming each bad variable, without a stack trace', async () => {
    const result = await runMain({ PORT: 'abc', DATABASE_URL: 'nonsense' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toMatch(/PORT: must be a number/);
    expect(result.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits with a clear message when the database cannot be reached', async () => {
    const result = await runMain({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not start: .*(ECONNREFUSED|connect)/);
  });

  describe('on the embedded default', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'goated-process-'));
    let child: ChildProcess | undefined;
    afterAll(() => {
      child?.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves /health, feeds a changing leaderboard to the example script, and stops on SIGTERM', async () => {
      const port = String(20_000 + Math.floor(Math.random() * 20_000));
      // Node with tsx's loader, not the tsx CLI: the CLI relays SIGTERM to its child and, if
      // the child does not acknowledge within 30 ms (a busy machine), SIGKILLs it and exits 143.
      const proc = spawn(process.execPath, ['--import', 'tsx', main], {
        env: cleanEnv({
          PORT: port,
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          SYNC_INTERVAL_MS: '300',
          SIMULATOR_PLAYERS: '300',
          SEED_DEMO_DATA: 'false',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const url = `http://127.0.0.1:${port}`;

      const deadline = Date.now() + 45_000;
      for (;;) {
        const ok = await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`server did not come up: ${stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }

      const example = () =>
        run(tsx, [path.join(root, 'scripts/top10.ts')], { env: cleanEnv({ API_URL: url }), timeout: 20_000 }).then(
          (r) => r.stdout,
        );
      await new Promise((r) => setTimeout(r, 1000)); // let the first runs land
      const first = await example();
      expect(first).toMatch(/^\s+1\. /m);
      await new Promise((r) => setTimeout(r, 1500));
      const second = await example();
      // Strip the timestamp line: the rows themselves must have moved.
      const rows = (out: string) => out.split('\n').slice(1).join('\n');
      expect(rows(second)).not.toEqual(rows(first));

      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      const stopAt = Date.now();
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(10_000);
    }, 90_000);
  });
});
