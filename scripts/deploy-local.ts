/**
 * `pnpm deploy:local`: nginx in front of two server instances sharing PostgreSQL and Redis,
 * plus the bot when TELEGRAM_BOT_TOKEN is set — in the foreground; Ctrl-C stops everything.
 * See docs/DEPLOYMENT.md.
 */
import { randomBytes } from 'node:crypto';
import { startLocalDeployment } from './deploy/local';

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/goated';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const admin = {
  username: process.env.ADMIN_USERNAME || 'admin',
  password: process.env.ADMIN_PASSWORD || randomBytes(12).toString('base64url'),
};
const token = process.env.TELEGRAM_BOT_TOKEN;

console.log(`Starting nginx + 2 server instances on ${databaseUrl} and ${redisUrl}…`);
const deployment = await startLocalDeployment({
  databaseUrl,
  redisUrl,
  redisPrefix: process.env.REDIS_PREFIX || 'goated:',
  port: Number(process.env.PROXY_PORT || 8080),
  admin,
  // Some errors carry whole queries; keep the terminal readable.
  log: (source, line) => console.log(`[${source}] ${line.length > 2000 ? `${line.slice(0, 2000)}… (cut)` : line}`),
  serverEnv: { LOG_LEVEL: process.env.LOG_LEVEL || 'warn', SEED_DEMO_DATA: process.env.SEED_DEMO_DATA || 'true' },
  ...(process.env.TLS_CERT && process.env.TLS_KEY
    ? {
        tls: {
          certFile: process.env.TLS_CERT,
          keyFile: process.env.TLS_KEY,
          port: Number(process.env.TLS_PORT || 8443),
        },
      }
    : {}),
  ...(token
    ? {
        bot: {
          token,
          ...(process.env.TELEGRAM_API_ROOT ? { apiRoot: process.env.TELEGRAM_API_ROOT } : {}),
          webhookSecret: process.env.TELEGRAM_WEBHOOK_SECRET || randomBytes(24).toString('hex'),
        },
      }
    : {}),
}).catch((err: unknown) => {
  console.error(`deploy:local could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

console.log(`
Ready: ${deployment.url}${deployment.httpsUrl ? ` and ${deployment.httpsUrl}` : ''}  (nginx → ${deployment.instances.map((i) => `${i.name} ${i.url}`).join(', ')})
  admin: ${admin.username}${process.env.ADMIN_PASSWORD ? '' : ` / ${admin.password} (generated; set ADMIN_PASSWORD to choose)`}
  bot:   ${deployment.bot ? `webhook at ${deployment.url}/telegram/webhook` : 'not started (set TELEGRAM_BOT_TOKEN)'}
  nginx config and logs: ${deployment.workDir}
Ctrl-C stops everything.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    deployment.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
