import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const webRoot = fileURLToPath(new URL('../../', import.meta.url));
export const webDist = path.join(webRoot, 'dist');
const repoRoot = path.join(webRoot, '../../');

/** What the built dashboard is made of (the api is imported for its types only: erased). */
const buildInputs = [
  'apps/web/src',
  'apps/web/public',
  'apps/web/index.html',
  'apps/web/vite.config.ts',
  'apps/web/package.json',
  'packages/validators/src',
  'packages/client/src/reconnect.ts',
  'pnpm-lock.yaml',
];
const stampFile = path.join(webDist, '.inputs-sha256');
const lockDir = path.join(webRoot, '.build-lock');
/** A lock older than this was left by a run that died mid-build. */
const STALE_LOCK_MS = 5 * 60_000;

function filesUnder(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry)
    .sort()
    .flatMap((name) => filesUnder(path.join(entry, name)));
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of buildInputs.flatMap((input) => filesUnder(path.join(repoRoot, input)))) {
    hash.update(path.relative(repoRoot, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

const upToDate = (wanted: string) => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted;

/** Blocks this thread for `ms` (the build runs in a synchronous hook). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the dashboard into apps/web/dist, as `pnpm build` does, so the browser tests and the
 * screenshots always see the current sources (a fresh clone has no build; a build takes seconds).
 * Once per change of its inputs, not once per test file: the browser files of one run share the
 * build, and one file never empties dist/ while another file's server is serving it.
 */
export function buildDashboard(): void {
  const wanted = inputsHash();
  if (upToDate(wanted)) return;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      const lockedAt = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > STALE_LOCK_MS) {
        rmSync(lockDir, { recursive: true, force: true });
      }
      pause(200);
      if (upToDate(wanted)) return; // another worker built it meanwhile
    }
  }
  try {
    if (upToDate(wanted)) return;
    const require = createRequire(path.join(webRoot, 'package.json'));
    const viteBin = path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js');
    const result = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
      cwd: webRoot,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`dashboard build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    writeFileSync(stampFile, wanted);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
