import { z } from 'zod';

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const httpUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an http(s) URL, e.g. http://127.0.0.1:5000');

/** Every environment variable the bot reads, with its default. */
const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string({ message: 'is required (the token @BotFather gave you, e.g. 123456789:AAE…)' })
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'does not look like a bot token (expected 123456789:AAE…)'),
  TELEGRAM_API_ROOT: httpUrl.optional(),
  API_URL: httpUrl.default('http://127.0.0.1:5000'),
  BOT_API_KEY: z
    .string({ message: 'is required (an API key with the bot scope, from admin.apiKeys.create)' })
    .regex(/^gvk_[A-Za-z0-9_-]+$/, 'does not look like an API key (expected gvk_…)'),
  BOT_MODE: z.enum(['polling', 'webhook'], { message: 'must be polling or webhook' }).default('polling'),
  WEBHOOK_PORT: port.default(5001),
  // Loopback by default: nginx (or another proxy on this machine) terminates TLS and relays
  // Telegram's calls; 0.0.0.0 only if Telegram must reach the bot directly.
  BOT_WEBHOOK_HOST: z.string().min(1).default('127.0.0.1'),
  // Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token; the same rules as setWebhook's secret_token.
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ or -')
    .optional(),
});

export type Env = z.input<typeof envSchema>;

export type BotMode = { kind: 'polling' } | { kind: 'webhook'; host: string; port: number; secretToken: string };

export interface Config {
  telegram: { token: string; apiRoot: string | undefined };
  api: { url: string; key: string };
  mode: BotMode;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid bot configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, at the edge. Every problem is reported at once, by variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
  // Checked by hand rather than in a refinement, which zod skips while any other variable is invalid.
  if (present.BOT_MODE === 'webhook' && present.TELEGRAM_WEBHOOK_SECRET === undefined) {
    problems.push('TELEGRAM_WEBHOOK_SECRET is required when BOT_MODE=webhook (the secret_token given to setWebhook)');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    telegram: { token: e.TELEGRAM_BOT_TOKEN, apiRoot: e.TELEGRAM_API_ROOT },
    api: { url: e.API_URL, key: e.BOT_API_KEY },
    mode:
      e.BOT_MODE === 'webhook' && e.TELEGRAM_WEBHOOK_SECRET !== undefined
        ? { kind: 'webhook', host: e.BOT_WEBHOOK_HOST, port: e.WEBHOOK_PORT, secretToken: e.TELEGRAM_WEBHOOK_SECRET }
        : { kind: 'polling' },
  };
}
