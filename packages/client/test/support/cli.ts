/** The `goated` command as a user runs it: its own process, its own environment. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = path.join(root, 'packages/client/src/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The inherited environment without the variables the CLI reads (tests set what they need). */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { API_URL: _url, API_TOKEN: _token, PORT: _port, ...inherited } = process.env;
  return { ...inherited, ...env };
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(proc);
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.check();
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.check();
    });
    this.done = new Promise((resolve) =>
      proc.once('close', (code, signal) => {
        this.check();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `test` holds for what the process printed (fails with the output after `ms`). */
  until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`)),
        ms,
      );
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** The JSON lines printed so far (`--json` watch output). */
  lines(): unknown[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
