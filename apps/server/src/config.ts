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
  LEADERBOARD_PUSH_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(50, 'must be at least 50')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  RACE_TICK_MS: z.coerce
    .number({ message: 'must be a number' })
    .int()
    .min(50, 'must be at least 50')
    .max(60_000, 'must be at most 60000')
    .default(1000),
  WEB_DIST: z.string().min(1).default(`${repoRoot}apps/web/dist`),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  db: { url: string | undefined; poolMax: number; dataDir: string };
  sync: { enabled: boolean; intervalMs: number; seedDemoData: boolean; simulatorPlayers: number };
  /** Live streams push at most once per interval each. */
  live: { pushIntervalMs: number };
  /** How often the race scheduler moves races along (start, finish) by the clock. */
  races: { tickMs: number };
  shutdownTimeoutMs: number;
  webDist: string;
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
    live: { pushIntervalMs: e.LEADERBOARD_PUSH_INTERVAL_MS },
    races: { tickMs: e.RACE_TICK_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webDist: e.WEB_DIST,
  };
}
