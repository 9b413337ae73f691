import { fileURLToPath } from 'node:url';
import type { SiteInfo } from '@goated/api/server';
import { passwordSchema, usernameSchema } from '@goated/validators';
import { z } from 'zod';
import type { KeepAliveOptions, TransportLimits } from './realtime/limits';

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

const httpUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

const whole = (min: number, max: number) =>
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

const redisUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'must be a redis:// URL, e.g. redis://127.0.0.1:6379');

const originList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((o) => {
        try {
          return new URL(o).origin === o;
        } catch {
          return false;
        }
      }, 'must be a comma-separated list of origins like https://vip.example.com'),
    ),
  );

/** `false`, `true`, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
const trustProxy = z.string().transform((v): boolean | number | string[] => {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
});

const perMinute = z.coerce.number({ message: 'must be a number' }).int().min(1, 'must be at least 1');

/** Whole numbers in a range (WebSocket limits and the like). */
const positiveInt = whole;

/** Every environment variable the server reads, with its default. The README's table mirrors this. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.optional(),
  DB_POOL_MAX: z.coerce.number({ message: 'must be a number' }).int().min(1).max(200).default(10),
  DB_CONNECT_TIMEOUT_MS: whole(100, 120_000).default(5000),
  DB_STATEMENT_TIMEOUT_MS: whole(100, 3_600_000).default(15_000),
  DB_PREPARED_STATEMENTS: bool.default(true),
  DATA_DIR: z.string().min(1).default(`${repoRoot}.data`),
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9]\d{0,5}(kB|MB|GB)$/, 'must be a size such as 16MB')
    .default('16MB'),
  SYNC_ENABLED: bool.default(true),
  SYNC_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(250, 'must be at least 250')
    .default(5000),
  SEED_DEMO_DATA: bool.optional(),
  SIMULATOR_PLAYERS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1_000_000).default(500),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(100).default(10_000),
  LEADERBOARD_PUSH_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(50, 'must be at least 50')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  NOTIFY_POSITION_THRESHOLD: whole(1, 1000).default(3),
  NOTIFY_POSITION_COOLDOWN_MS: whole(0, 86_400_000).default(600_000),
  NOTIFICATION_RETENTION_DAYS: whole(1, 3650).default(90),
  RACE_TICK_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(50, 'must be at least 50')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  WEB_DIST: z.string().min(1).default(`${repoRoot}apps/web/dist`),
  REDIS_URL: redisUrl.optional(),
  ALLOWED_ORIGINS: originList.optional(),
  ADMIN_USERNAME: usernameSchema.optional(),
  ADMIN_PASSWORD: passwordSchema.optional(),
  SESSION_TTL_DAYS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(365).default(30),
  SESSION_COOKIE_SECURE: bool.optional(),
  RATE_LIMIT_AUTH_PER_MIN: perMinute.default(20),
  RATE_LIMIT_MUTATIONS_PER_MIN: perMinute.default(60),
  RATE_LIMIT_QUERIES_PER_MIN: perMinute.default(600),
  CREDENTIAL_RECHECK_MS: whole(100, 3_600_000).default(30_000),
  TRUST_PROXY: trustProxy.default(false),
  BODY_LIMIT_BYTES: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  AFFILIATE_API_URL: httpUrl.optional(),
  AFFILIATE_API_TOKEN: z.string().min(1).optional(),
  AFFILIATE_TIMEOUT_MS: whole(100, 600_000).default(10_000),
  AFFILIATE_RETRIES: whole(0, 10).default(3),
  AFFILIATE_RETRY_BASE_MS: whole(1, 60_000).default(500),
  AFFILIATE_MAX_PAGES: whole(1, 100_000).default(1000),
  AFFILIATE_MAX_BYTES: whole(1024, 2 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  LOG_RETENTION_DAYS: whole(0, 3650).default(30),
  DATA_STALE_AFTER_SECONDS: whole(10, 30 * 86_400).default(300),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: port.optional(),
  REDIS_PREFIX: z.string().min(1).max(64).default('goated:'),
  REDIS_PING_MS: positiveInt(50, 600_000).default(5000),
  REDIS_PING_TIMEOUT_MS: positiveInt(50, 600_000).default(2000),
  WS_PING_MS: positiveInt(50, 600_000).default(30_000),
  WS_PONG_WAIT_MS: positiveInt(50, 600_000).default(10_000),
  WS_MAX_MESSAGE_BYTES: positiveInt(1024, 16 * 1024 * 1024).default(64 * 1024),
  WS_MAX_MESSAGES_PER_SECOND: positiveInt(1, 100_000).default(50),
  WS_MESSAGE_BURST: positiveInt(1, 100_000).default(100),
  WS_MAX_BATCH_SIZE: positiveInt(1, 10_000).default(100),
  WS_MAX_SUBSCRIPTIONS: positiveInt(1, 10_000).default(50),
  WS_MAX_BUFFERED_BYTES: positiveInt(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  WS_COMPRESSION: bool.default(false),
  LOG_SUMMARY_INTERVAL_MS: whole(0, 86_400_000).default(120_000),
  SLOW_REQUEST_MS: whole(1, 600_000).default(1000),
  CONNECTION_SAMPLE_MS: whole(0, 86_400_000).default(300_000),
  AFFILIATE_REFERRAL_CODE: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, - or _')
    .optional(),
  AFFILIATE_SIGNUP_URL: httpUrl.optional(),
  CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code such as USD')
    .transform((c) => c.toUpperCase())
    .default('USD'),
  TERMS_URL: httpUrl.optional(),
  RESPONSIBLE_GAMBLING_URL: httpUrl.default('https://www.begambleaware.org/'),
  ADULTS_ONLY: bool.default(true),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The operator's log: summary line interval (0 off), the slow-request threshold, connection samples (0 off). */
  operatorLog: { summaryIntervalMs: number; slowRequestMs: number; sampleIntervalMs: number };
  db: {
    url: string | undefined;
    poolMax: number;
    dataDir: string;
    /** PGlite's `shared_buffers` (embedded mode only). */
    pgliteSharedBuffers: string;
    /** Opening a connection; one statement (the server's `statement_timeout`). */
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    /** Named prepared statements: one round trip per query (off behind a pooler that cannot keep them). */
    preparedStatements: boolean;
  };
  sync: {
    enabled: boolean;
    intervalMs: number;
    seedDemoData: boolean;
    simulatorPlayers: number;
    /** The affiliate's HTTP feed; null → the built-in simulator (unless an admin sets one). */
    upstream: UpstreamConfig | null;
    /** How any HTTP feed is reached, the environment's or one an admin stored. */
    http: Omit<UpstreamConfig, 'url' | 'token'>;
    /** Transformation-log entries older than this are pruned; 0 keeps them all. */
    logRetentionDays: number;
    /** Player data is reported stale this long after the last successful sync. */
    staleAfterSeconds: number;
  };
  /** Live streams push at most once per interval each. */
  live: { pushIntervalMs: number };
  /** How often the race scheduler moves races along (start, finish) by the clock. */
  races: { tickMs: number };
  notifications: {
    /** Ranks a linked player must move in a live race (since they were last told) to be told. */
    positionThreshold: number;
    /** At least this long between two position notices to one player about one race. */
    positionCooldownMs: number;
    /** Inbox entries older than this are deleted. */
    retentionDays: number;
  };
  shutdownTimeoutMs: number;
  /** Who may read /metrics: a bearer token, a listener of its own, or else local direct scrapes only. */
  metrics: { token: string | undefined; listen: { host: string; port: number } | undefined };
  webDist: string;
  http: { trustProxy: boolean | number | string[]; bodyLimitBytes: number };
  auth: {
    /** Origins besides the server's own allowed to use the session cookie (CSRF). */
    allowedOrigins: string[];
    admin: { username: string | undefined; password: string | undefined };
    sessionTtlDays: number;
    secureCookie: boolean;
    rateLimitsPerMinute: { auth: number; mutations: number; queries: number };
    /** Open connections' credentials are re-checked against the database this often. */
    credentialRecheckMs: number;
  };
  /**
   * Unset url → events fan out in-process only. Each connection is pinged every `pingMs`; one
   * that leaves a ping unanswered for `pingTimeoutMs` is dropped and reconnected.
   */
  redis: { url: string | undefined; prefix: string; pingMs: number; pingTimeoutMs: number };
  /** The public front door: joining through the affiliate, the currency, the footer's links. */
  site: SiteInfo;
  realtime: TransportLimits &
    KeepAliveOptions & {
      /** permessage-deflate (off by default: see docs/SCALING.md for the measurement). */
      compression: boolean;
    };
}

export interface UpstreamConfig {
  url: string;
  token: string | undefined;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  maxPages: number;
  /** Largest response body read from the feed (per page); a larger one fails the run. */
  maxBytes: number;
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
  if (e.AFFILIATE_API_TOKEN && !e.AFFILIATE_API_URL) {
    throw new ConfigError([
      'AFFILIATE_API_TOKEN: is set but AFFILIATE_API_URL is not (the token belongs to a feed URL)',
    ]);
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    operatorLog: {
      summaryIntervalMs: e.LOG_SUMMARY_INTERVAL_MS,
      slowRequestMs: e.SLOW_REQUEST_MS,
      sampleIntervalMs: e.CONNECTION_SAMPLE_MS,
    },
    db: {
      url: e.DATABASE_URL,
      poolMax: e.DB_POOL_MAX,
      dataDir: `${e.DATA_DIR}/pglite`,
      pgliteSharedBuffers: e.PGLITE_SHARED_BUFFERS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      preparedStatements: e.DB_PREPARED_STATEMENTS,
    },
    sync: {
      enabled: e.SYNC_ENABLED,
      intervalMs: e.SYNC_INTERVAL_MS,
      // The embedded default starts with a demo data set; a real database starts empty.
      seedDemoData: e.SEED_DEMO_DATA ?? !e.DATABASE_URL,
      simulatorPlayers: e.SIMULATOR_PLAYERS,
      upstream: e.AFFILIATE_API_URL
        ? {
            url: e.AFFILIATE_API_URL,
            token: e.AFFILIATE_API_TOKEN,
            timeoutMs: e.AFFILIATE_TIMEOUT_MS,
            retries: e.AFFILIATE_RETRIES,
            retryBaseMs: e.AFFILIATE_RETRY_BASE_MS,
            maxPages: e.AFFILIATE_MAX_PAGES,
            maxBytes: e.AFFILIATE_MAX_BYTES,
          }
        : null,
      http: {
        timeoutMs: e.AFFILIATE_TIMEOUT_MS,
        retries: e.AFFILIATE_RETRIES,
        retryBaseMs: e.AFFILIATE_RETRY_BASE_MS,
        maxPages: e.AFFILIATE_MAX_PAGES,
        maxBytes: e.AFFILIATE_MAX_BYTES,
      },
      logRetentionDays: e.LOG_RETENTION_DAYS,
      staleAfterSeconds: e.DATA_STALE_AFTER_SECONDS,
    },
    live: { pushIntervalMs: e.LEADERBOARD_PUSH_INTERVAL_MS },
    races: { tickMs: e.RACE_TICK_MS },
    notifications: {
      positionThreshold: e.NOTIFY_POSITION_THRESHOLD,
      positionCooldownMs: e.NOTIFY_POSITION_COOLDOWN_MS,
      retentionDays: e.NOTIFICATION_RETENTION_DAYS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metrics: {
      token: e.METRICS_TOKEN,
      listen: e.METRICS_PORT !== undefined ? { host: e.METRICS_HOST, port: e.METRICS_PORT } : undefined,
    },
    webDist: e.WEB_DIST,
    http: { trustProxy: e.TRUST_PROXY, bodyLimitBytes: e.BODY_LIMIT_BYTES },
    auth: {
      // In development the Vite dev server (:5173) proxies to us from another origin.
      allowedOrigins:
        e.ALLOWED_ORIGINS ?? (e.NODE_ENV === 'development' ? ['http://localhost:5173', 'http://127.0.0.1:5173'] : []),
      admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
      sessionTtlDays: e.SESSION_TTL_DAYS,
      secureCookie: e.SESSION_COOKIE_SECURE ?? e.NODE_ENV === 'production',
      rateLimitsPerMinute: {
        auth: e.RATE_LIMIT_AUTH_PER_MIN,
        mutations: e.RATE_LIMIT_MUTATIONS_PER_MIN,
        queries: e.RATE_LIMIT_QUERIES_PER_MIN,
      },
      credentialRecheckMs: e.CREDENTIAL_RECHECK_MS,
    },
    redis: {
      url: e.REDIS_URL,
      prefix: e.REDIS_PREFIX,
      pingMs: e.REDIS_PING_MS,
      pingTimeoutMs: e.REDIS_PING_TIMEOUT_MS,
    },
    site: {
      referralCode: e.AFFILIATE_REFERRAL_CODE ?? null,
      signUpUrl: e.AFFILIATE_SIGNUP_URL ?? null,
      currency: e.CURRENCY,
      termsUrl: e.TERMS_URL ?? null,
      responsibleGamblingUrl: e.RESPONSIBLE_GAMBLING_URL,
      adultsOnly: e.ADULTS_ONLY,
    },
    realtime: {
      pingMs: e.WS_PING_MS,
      pongWaitMs: e.WS_PONG_WAIT_MS,
      maxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      messagesPerSecond: e.WS_MAX_MESSAGES_PER_SECOND,
      messageBurst: e.WS_MESSAGE_BURST,
      maxBatchSize: e.WS_MAX_BATCH_SIZE,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      compression: e.WS_COMPRESSION,
    },
  };
}
