/**
 * @goated/client as a developer outside the monorepo gets it: packed, installed with npm into a
 * fresh folder outside the workspace (its dependencies from the registry), type-checked by tsc
 * under NodeNext, Node16 and Bundler with skipLibCheck off — a deliberate mistake fails, correct use
 * passes — and run against a live server: a query, then a subscription that receives a push.
 * The packed `goated` bin runs too. One file: packing and installing happen once.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from '@goated/client';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess } from './support/cli';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const exec = promisify(execFile);

interface Run {
  code: number;
  output: string;
}

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

const app = `import { createClient, type RouterOutputs } from '@goated/client';

const { api, close } = createClient({ url: process.env.API_URL ?? 'http://127.0.0.1:5000' });
const page: RouterOutputs['leaderboard']['top'] = await api.leaderboard.top.query({ period: 'month', limit: 3 });
console.log(JSON.stringify({ query: page.entries.map((entry) => entry.name), at: page.generatedAt.toISOString() }));

let events = 0;
await new Promise<void>((resolve, reject) => {
  const subscription = api.leaderboard.onUpdate.subscribe(
    { period: 'month', limit: 3 },
    {
      onData: ({ id, data }) => {
        events += 1;
        console.log(JSON.stringify({ event: events, id, leader: data.entries[0]?.name ?? null }));
        if (events === 2) {
          subscription.unsubscribe();
          resolve();
        }
      },
      onError: reject,
    },
  );
});
await close();
`;

const mistake = `import { createClient } from '@goated/client';

const { api } = createClient({ url: 'http://127.0.0.1:5000' });
await api.leaderboard.top.query({ period: 'year' });
`;

function tsconfig(resolution: 'NodeNext' | 'Node16' | 'Bundler', file: string, emit: boolean) {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: resolution === 'Bundler' ? 'ESNext' : resolution,
      moduleResolution: resolution,
      skipLibCheck: false,
      types: ['node'],
      ...(emit ? { outDir: 'out', rootDir: '.' } : { noEmit: true }),
    },
    files: [file],
  });
}

describe('@goated/client installed from its tarball outside the workspace', () => {
  let dir: string;
  let tarball: string;
  let ts: TestServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'goated-client-user-'));
    const packs = path.join(dir, 'packs');
    await mkdir(packs);
    const [packed, server] = await Promise.all([
      run('pnpm', ['--filter', '@goated/client', 'pack', '--pack-destination', packs], root),
      startTestServer('pglite', { LEADERBOARD_PUSH_INTERVAL_MS: '50' }),
    ]);
    ts = server;
    expect(packed.code, packed.output).toBe(0);
    const [file] = await readdir(packs);
    if (!file) throw new Error(`pnpm pack wrote nothing:\n${packed.output}`);
    tarball = path.join(packs, file);

    const project = path.join(dir, 'project');
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
    );
    await Promise.all([
      writeFile(path.join(project, 'app.ts'), app),
      writeFile(path.join(project, 'mistake.ts'), mistake),
      writeFile(path.join(project, 'tsconfig.nodenext.json'), tsconfig('NodeNext', 'app.ts', true)),
      writeFile(path.join(project, 'tsconfig.node16.json'), tsconfig('Node16', 'app.ts', false)),
      writeFile(path.join(project, 'tsconfig.bundler.json'), tsconfig('Bundler', 'app.ts', false)),
      writeFile(path.join(project, 'tsconfig.mistake-nodenext.json'), tsconfig('NodeNext', 'mistake.ts', false)),
      writeFile(path.join(project, 'tsconfig.mistake-bundler.json'), tsconfig('Bundler', 'mistake.ts', false)),
    ]);
    // Node 20 has no WebSocket of its own: `ws` is the client's optional peer, as the README says.
    const installed = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, 'ws@8', '@types/node@20'],
      project,
    );
    expect(installed.code, installed.output).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await ts?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const project = () => path.join(dir, 'project');

  it('packs under 100 KB, with no workspace or server package among its dependencies', async () => {
    expect((await stat(tarball)).size).toBeLessThan(100 * 1024);
    const listing = await run('tar', ['-tzf', tarball], dir);
    const files = listing.output.trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining(['package/dist/cli.js', 'package/dist/index.d.ts', 'package/dist/index.js']),
    );
    expect(files.filter((f) => !f.startsWith('package/dist/'))).toEqual(['package/README.md', 'package/package.json']);
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'], dir)).output);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@trpc/client', 'superjson']);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@trpc/server', 'eventsource', 'ws']);
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.bin).toEqual({ goated: './dist/cli.js' });
    const installed = await readdir(path.join(project(), 'node_modules'));
    expect(installed.filter((name) => name === '@goated')).toEqual(['@goated']);
    expect(await readdir(path.join(project(), 'node_modules/@goated'))).toEqual(['client']);
  });

  it('type-checks correct use under NodeNext, Node16 and Bundler with skipLibCheck off', async () => {
    const [nodeNext, node16, bundler] = await Promise.all([
      run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], project()),
      run(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], project()),
      run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], project()),
    ]);
    expect(nodeNext, nodeNext.output).toMatchObject({ code: 0 });
    expect(node16, node16.output).toMatchObject({ code: 0 });
    expect(bundler, bundler.output).toMatchObject({ code: 0 });
  }, 120_000);

  it('rejects a wrong input under both resolutions, naming the value', async () => {
    for (const config of ['tsconfig.mistake-nodenext.json', 'tsconfig.mistake-bundler.json']) {
      const result = await run(process.execPath, [tsc, '-p', config], project());
      expect(result.code, config).not.toBe(0);
      expect(result.output, config).toContain(`mistake.ts(4,`);
      expect(result.output, config).toContain(
        `'"year"' is not assignable to type '"all" | "month" | "today" | "week"'`,
      );
    }
  }, 120_000);

  it('runs against a live server: a query, then a subscription that receives a push', async () => {
    const { api, close } = createClient({ url: ts.url });
    const { token } = await api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    await close();
    const admin = createClient({ url: ts.url, token });
    const player = (uid: string, name: string, month: number) => ({
      uid,
      name,
      wagered: { today: 0, this_week: month, this_month: month, all_time: month },
    });
    try {
      await admin.api.sync.ingest.mutate({
        records: [player('u1', 'PackedAlice', 300), player('u2', 'PackedBob', 200)],
      });
      const script = new CliProcess(
        spawn(process.execPath, ['out/app.js'], {
          cwd: project(),
          env: { ...process.env, API_URL: ts.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      try {
        await script.until(() => script.lines().length >= 2, 'the query and the first event');
        const [query, first] = script.lines();
        expect(query).toMatchObject({ query: ['PackedAlice', 'PackedBob'], at: expect.stringMatching(/^\d{4}-/) });
        expect(first).toMatchObject({ event: 1, leader: 'PackedAlice', id: expect.any(String) });
        await admin.api.sync.ingest.mutate({ records: [player('u3', 'PackedPush', 9000)] });
        const done = await script.done;
        expect(done, script.stderr).toMatchObject({ code: 0 });
        expect(script.lines()[2]).toMatchObject({ event: 2, leader: 'PackedPush' });
      } finally {
        script.kill();
      }
    } finally {
      await admin.close();
    }
  }, 60_000);

  it("installs the goated command, which answers with the server's data", async () => {
    const result = await run(
      path.join(project(), 'node_modules/.bin/goated'),
      ['top', '--limit', '1', '--json'],
      project(),
      {
        ...process.env,
        API_URL: ts.url,
      },
    );
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(result.output)).toMatchObject({ period: 'month', entries: [{ rank: 1 }] });
  }, 60_000);
});
