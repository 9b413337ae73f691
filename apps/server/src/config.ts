import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a postgres:// URL, e.g. postgres://user:pass@127.0.0.1:5432/goated');

const redisUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a redis:// URL, e.g. redis://127.0.0.1:6379');

const positiveInt = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

/** Every environment variable the server reads, with its default. The README's table mirrors this. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.optional(),
  DB_POOL_MAX: z.coerce.number({ message: 'must be a number' }).int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default(`${repoRoot}.data`),
  SYNC_ENABLED: bool.default(true),
  SYNC_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(250, 'must be at least 250')
    .default(5000),
  SEED_DEMO_DATA: bool.optional(),
  SIMULATOR_PLAYERS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1_000_000).default(500),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(100).default(10_000),
  WEB_DIST: z.string().min(1).default(`${repoRoot}apps/web/dist`),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: z.string().min(1).max(64).default('goated:'),
  WS_PING_MS: positiveInt(50, 600_000).default(30_000),
  WS_PONG_WAIT_MS: positiveInt(50, 600_000).default(10_000),
  WS_MAX_MESSAGE_BYTES: positiveInt(1024, 16 * 1024 * 1024).default(64 * 1024),
  WS_MAX_MESSAGES_PER_SECOND: positiveInt(1, 100_000).default(50),
  WS_MESSAGE_BURST: positiveInt(1, 100_000).default(100),
  WS_MAX_SUBSCRIPTIONS: positiveInt(1, 10_000).default(50),
  WS_MAX_BUFFERED_BYTES: positiveInt(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  WS_COMPRESSION: bool.default(false),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  db: { url: string | undefined; poolMax: number; dataDir: string };
  sync: { enabled: boolean; intervalMs: number; seedDemoData: boolean; simulatorPlayers: number };
  shutdownTimeoutMs: number;
  webDist: string;
  /** Unset url → events fan out in-process only. */
  redis: { url: string | undefined; prefix: string };
  realtime: {
    pingMs: number;
    pongWaitMs: number;
    maxMessageBytes: number;
    messagesPerSecond: number;
    messageBurst: number;
    maxSubscriptions: number;
    maxBufferedBytes: number;
    /** permessage-deflate (off by default: see docs/SCALING.md for the measurement). */
    compression: boolean;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, at the edge. Every problem is reported at once, by variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    db: { url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX, dataDir: `${e.DATA_DIR}/pglite` },
    sync: {
      enabled: e.SYNC_ENABLED,
      intervalMs: e.SYNC_INTERVAL_MS,
      // The embedded default starts with a demo data set; a real database starts empty.
      seedDemoData: e.SEED_DEMO_DATA ?? !e.DATABASE_URL,
      simulatorPlayers: e.SIMULATOR_PLAYERS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webDist: e.WEB_DIST,
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    realtime: {
      pingMs: e.WS_PING_MS,
      pongWaitMs: e.WS_PONG_WAIT_MS,
      maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      messagesPerSecond: e.WS_MAX_MESSAGES_PER_SECOND,
      messageBurst: e.WS_MESSAGE_BURST,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      compression: e.WS_COMPRESSION,
    },
  };
}
