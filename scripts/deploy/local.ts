/**
 * A real multi-instance deployment on one machine: nginx (the Debian package's binary, run as
 * a foreground child with a generated config in a temporary folder) balancing two server
 * instances that share one PostgreSQL and one Redis, plus the Telegram bot behind the same
 * nginx. `pnpm deploy:local` runs it for a human; the deployment test runs exactly this.
 * docs/DEPLOYMENT.md explains each piece and its production equivalent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/src/main.ts');
const botMain = path.join(repoRoot, 'apps/bot/src/main.ts');

export interface BotSettings {
  token: string;
  /** A self-hosted or fake Bot API (tests); Telegram's own when absent. */
  apiRoot?: string;
  webhookSecret: string;
}

export interface LocalDeploymentOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Keeps this deployment's channels apart on a shared Redis. */
  redisPrefix?: string;
  /** Server instances behind nginx (default 2). */
  instances?: number;
  /** The port nginx listens on (default: a free one). */
  port?: number;
  admin: { username: string; password: string };
  /** Extra environment for every server instance. */
  serverEnv?: Record<string, string>;
  /** Also terminate TLS at nginx on a second port (HTTPS and WSS), with this certificate. */
  tls?: { certFile: string; keyFile: string; port?: number };
  /** The bot, reached by Telegram through nginx at /telegram/webhook. Absent → no bot. */
  bot?: BotSettings;
  /** Where every child's output goes, one line at a time with its name. */
  log?: (source: string, line: string) => void;
}

export interface Instance {
  name: string;
  /** Direct URL, bypassing nginx (tests and diagnostics). */
  url: string;
  process: ChildProcess;
  /** SIGTERM (graceful: clients are told to reconnect), resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface LocalDeployment {
  /** nginx: what clients use. */
  url: string;
  /** nginx's TLS listener (`https://…`), when `tls` was given. */
  httpsUrl: string | null;
  instances: Instance[];
  bot: ChildProcess | null;
  /** Where the generated nginx.conf and nginx's logs are. */
  workDir: string;
  stop(): Promise<void>;
}

/** The nginx binary, or a clear error naming the package to install. */
export function findNginx(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    const candidate = path.join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error('nginx is not installed (Debian/Ubuntu: apt-get install -y nginx)');
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface NginxConfigOptions {
  /** Folder for nginx's pid, logs and temporary files (writable by the current user). */
  prefix: string;
  listen: string;
  upstreams: string[];
  /** host:port of the bot's webhook listener, or null. */
  bot: string | null;
  /** A second listener terminating TLS (host:port and PEM files), or null. */
  tls: { listen: string; certFile: string; keyFile: string } | null;
  /** Running as root: workers must run as root too to use the private temp folders. */
  asRoot: boolean;
}

/**
 * The nginx configuration: the same proxy settings docs/DEPLOYMENT.md shows for production,
 * with every path inside `prefix` so it runs without root and beside a system nginx.
 */
export function nginxConfig(o: NginxConfigOptions): string {
  const tmp = (name: string) => path.join(o.prefix, 'tmp', name);
  const locations = `    client_max_body_size 2m;

    location / {
      proxy_pass http://goated;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Above WS_PING_MS (30 s): pings keep idle WebSockets and SSE streams open.
      proxy_read_timeout 75s;
      proxy_send_timeout 75s;
      # Server-Sent Events and large streamed responses (backups) pass through unbuffered.
      proxy_buffering off;
      # An instance that refuses the connection (stopped, restarting) is skipped: the request or
      # the reconnecting WebSocket goes to the next one.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }

    # Metrics map the system: never through the proxy (scraped on each instance directly).
    location = /metrics {
      deny all;
    }
${
  o.bot
    ? `
    # Telegram calls the bot's webhook here (register https://<host>/telegram/webhook).
    location = /telegram/webhook {
      proxy_pass http://${o.bot}/;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
    }
`
    : ''
}`;
  const tls = o.tls
    ? `
  # TLS ends here: clients speak HTTPS and WSS to nginx, nginx plain HTTP to the instances.
  server {
    listen ${o.tls.listen} ssl;
    ssl_certificate ${o.tls.certFile};
    ssl_certificate_key ${o.tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
${locations}  }
`
    : '';
  return `# Generated by scripts/deploy/local.ts
${o.asRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${path.join(o.prefix, 'nginx.pid')};
error_log stderr warn;

events { worker_connections 4096; }

http {
  access_log ${path.join(o.prefix, 'access.log')};
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};

  upstream goated {
${o.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 32;
  }

  # WebSocket upgrade when the client asks for it; otherwise keep-alive to the upstream.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }

  server {
    listen ${o.listen};
${locations}  }
${tls}}
`;
}

function pipeLines(child: ChildProcess, source: string, log: (source: string, line: string) => void) {
  child.on('exit', (code, signal) => log(source, `exited (${signal ?? `code ${code}`})`));
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      rest += chunk.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) log(source, line);
    });
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, child: ChildProcess, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const healthy = (url: string) => async () => (await fetch(`${url}/health`)).ok;

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return exited.finally(() => clearTimeout(timer));
}

/** The environment without anything a child reads for itself, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'DATABASE_URL',
    'PORT',
    'HOST',
    'DATA_DIR',
    'REDIS_URL',
    'REDIS_PREFIX',
    'API_URL',
    'BOT_API_KEY',
  ]) {
    delete env[key];
  }
  return { ...env, ...extra };
}

/** Signs in as the admin and creates a `bot`-scoped API key for the bot process. */
async function createBotKey(url: string, admin: { username: string; password: string }): Promise<string> {
  const call = async (procedure: string, input: unknown, token?: string) => {
    const res = await fetch(`${url}/trpc/${procedure}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ json: input }),
    });
    const body = (await res.json()) as { result?: { data?: { json?: Record<string, unknown> } } };
    const data = body.result?.data?.json;
    if (!res.ok || !data) throw new Error(`${procedure} failed: ${res.status} ${JSON.stringify(body)}`);
    return data;
  };
  const { token } = await call('auth.signIn', { ...admin, mode: 'token' });
  const { key } = await call(
    'admin.apiKeys.create',
    { name: `bot (deploy:local ${new Date().toISOString()})`, scopes: ['bot'] },
    String(token),
  );
  return String(key);
}

export async function startLocalDeployment(options: LocalDeploymentOptions): Promise<LocalDeployment> {
  const nginxBin = findNginx();
  const log = options.log ?? ((source, line) => console.log(`[${source}] ${line}`));
  const workDir = mkdtempSync(path.join(tmpdir(), 'goated-deploy-'));
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(path.join(workDir, 'tmp', dir), { recursive: true });
  const children: ChildProcess[] = [];
  const instances: Instance[] = [];
  let nginx: ChildProcess | null = null;
  let bot: ChildProcess | null = null;

  const stop = async () => {
    if (bot) await stopChild(bot);
    await Promise.all(instances.map((i) => i.stop()));
    if (nginx) await stopChild(nginx, 'SIGQUIT');
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    const count = options.instances ?? 2;
    const names = 'abcdefghij'.split('');
    const startInstance = async (i: number) => {
      const name = names[i] ?? String(i);
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', serverMain], {
        cwd: repoRoot,
        env: childEnv({
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: options.databaseUrl,
          REDIS_URL: options.redisUrl,
          REDIS_PREFIX: options.redisPrefix ?? 'goated:',
          ADMIN_USERNAME: options.admin.username,
          ADMIN_PASSWORD: options.admin.password,
          // nginx on this machine forwards the client address.
          TRUST_PROXY: '127.0.0.1',
          ...options.serverEnv,
          // The demo data set goes into an empty database once, from the first instance.
          ...(i > 0 ? { SEED_DEMO_DATA: 'false' } : {}),
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      pipeLines(child, `server ${name}`, log);
      const url = `http://127.0.0.1:${port}`;
      const instance: Instance = { name, url, process: child, stop: () => stopChild(child) };
      instances.push(instance);
      await waitUntil(`server ${name}`, healthy(url), child);
    };
    // The first instance migrates (and seeds, if asked) alone; the others then start together.
    await startInstance(0);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => startInstance(i + 1)));

    const botPort = options.bot ? await freePort() : null;
    const port = options.port ?? (await freePort());
    const tlsPort = options.tls ? (options.tls.port ?? (await freePort())) : null;
    const confPath = path.join(workDir, 'nginx.conf');
    writeFileSync(
      confPath,
      nginxConfig({
        prefix: workDir,
        listen: `127.0.0.1:${port}`,
        upstreams: instances.map((i) => new URL(i.url).host),
        bot: botPort ? `127.0.0.1:${botPort}` : null,
        tls:
          options.tls && tlsPort
            ? {
                listen: `127.0.0.1:${tlsPort}`,
                certFile: path.resolve(options.tls.certFile),
                keyFile: path.resolve(options.tls.keyFile),
              }
            : null,
        asRoot: process.getuid?.() === 0,
      }),
    );
    // -e: the start-up error log before the config is read (the default is under /var/log).
    const proxy = spawn(nginxBin, ['-p', workDir, '-c', confPath, '-e', 'stderr'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx = proxy;
    children.push(proxy);
    pipeLines(proxy, 'nginx', log);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil('nginx', healthy(url), proxy, 20_000);

    if (options.bot && botPort) {
      const key = await createBotKey(url, options.admin);
      const child = spawn(process.execPath, ['--import', 'tsx', botMain], {
        cwd: repoRoot,
        env: childEnv({
          TELEGRAM_BOT_TOKEN: options.bot.token,
          ...(options.bot.apiRoot ? { TELEGRAM_API_ROOT: options.bot.apiRoot } : {}),
          // The bot is a client like any other: it goes through nginx.
          API_URL: url,
          BOT_API_KEY: key,
          BOT_MODE: 'webhook',
          WEBHOOK_PORT: String(botPort),
          TELEGRAM_WEBHOOK_SECRET: options.bot.webhookSecret,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      bot = child;
      children.push(child);
      let output = '';
      for (const stream of [child.stdout, child.stderr]) {
        stream?.on('data', (c: Buffer) => {
          output += c.toString();
        });
      }
      pipeLines(child, 'bot', log);
      await waitUntil('the bot', async () => output.includes('is serving its webhook'), child);
    }

    return { url, httpsUrl: tlsPort ? `https://127.0.0.1:${tlsPort}` : null, instances, bot, workDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
