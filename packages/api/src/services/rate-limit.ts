import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../errors';

/**
 * Request tiers:
 * - `authIp` — every sign-in, sign-up and reset attempt per client address;
 * - `authAccountIp` — failed passwords per (account, address): that pair is refused once spent;
 * - `authAccount` — failed passwords per account from anywhere: past it, only addresses that
 *   have not failed on the account may try (see services/auth/sign-in-throttle.ts);
 * - `credentialFailure` — refused API keys and session tokens per address;
 * - `telegramUser` — what the bot asks on behalf of one Telegram user, per that user;
 * - `telegramReset` — password-reset tokens asked through the bot, per Telegram user;
 * - `mutation`, `query` — everything else, per identity (user, API key, or address).
 */
export type RateTier =
  | 'authIp'
  | 'authAccountIp'
  | 'authAccount'
  | 'credentialFailure'
  | 'telegramUser'
  | 'telegramReset'
  | 'mutation'
  | 'query';

export interface TierLimit {
  points: number;
  durationSeconds: number;
}

export const defaultTiers: Record<RateTier, TierLimit> = {
  authIp: { points: 20, durationSeconds: 60 },
  authAccountIp: { points: 5, durationSeconds: 15 * 60 },
  authAccount: { points: 20, durationSeconds: 60 * 60 },
  credentialFailure: { points: 20, durationSeconds: 60 },
  telegramUser: { points: 30, durationSeconds: 60 },
  telegramReset: { points: 3, durationSeconds: 60 * 60 },
  mutation: { points: 60, durationSeconds: 60 },
  query: { points: 600, durationSeconds: 60 },
};

/**
 * TOO_MANY_REQUESTS with a retry hint: it stays the cause of the tRPC error clients get, so the
 * transport can send `Retry-After` and the error's data carries `retryAfterSeconds`.
 */
export class RateLimitedError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  override readonly name = 'RateLimitedError';
  constructor(
    readonly tier: RateTier,
    readonly retryAfterMs: number,
    message = `Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
  ) {
    super(message);
  }
}

/** A refusal with a retry hint of at least a second (also for callers refusing on a `spent` answer). */
export function tooManyRequests(tier: RateTier, retryAfterMs: number, message?: string): RateLimitedError {
  return new RateLimitedError(tier, Math.max(1000, retryAfterMs), message);
}

export interface RateLimits {
  /** Counts one request; throws TOO_MANY_REQUESTS (with a retry hint) once the tier is spent. */
  consume(tier: RateTier, key: string): Promise<void>;
  /** Counts one (a failure, say) without refusing anything. */
  penalize(tier: RateTier, key: string): Promise<void>;
  /** How much of the tier `key` has used in its current window (0 when nothing). */
  used(tier: RateTier, key: string): Promise<{ points: number; msBeforeReset: number }>;
  /** The tier's budget per window. */
  limit(tier: RateTier): TierLimit;
  /** Forgets a key's count, e.g. an (account, address) pair's failures after a successful sign-in. */
  reset(tier: RateTier, key: string): Promise<void>;
  readonly store: 'memory' | 'redis';
}

export interface RateLimitOptions {
  tiers?: Partial<Record<RateTier, TierLimit>>;
  /** Shares counters between instances; an in-memory limiter stands in while Redis is down. */
  redis?: Redis;
  /** Separates deployments (and tests) sharing one Redis: the server passes `${REDIS_PREFIX}rl`. */
  keyPrefix?: string;
}

export function createRateLimits(options: RateLimitOptions = {}): RateLimits {
  const prefix = options.keyPrefix ?? 'goated:rl';
  const limiters = new Map<RateTier, { limiter: RateLimiterAbstract; limit: TierLimit }>();
  for (const tier of Object.keys(defaultTiers) as RateTier[]) {
    const limit = { ...defaultTiers[tier], ...options.tiers?.[tier] };
    const base = { points: limit.points, duration: limit.durationSeconds, keyPrefix: `${prefix}:${tier}` };
    const memory = new RateLimiterMemory(base);
    const limiter = options.redis
      ? new RateLimiterRedis({ ...base, storeClient: options.redis, insuranceLimiter: memory })
      : memory;
    limiters.set(tier, { limiter, limit });
  }
  const tierOf = (tier: RateTier) => {
    const found = limiters.get(tier);
    if (!found) throw new Error(`unknown rate tier ${tier}`);
    return found;
  };

  return {
    store: options.redis ? 'redis' : 'memory',
    async consume(tier, key) {
      try {
        await tierOf(tier).limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw tooManyRequests(tier, rejection.msBeforeNext);
      }
    },
    async penalize(tier, key) {
      await tierOf(tier).limiter.penalty(key);
    },
    async used(tier, key) {
      const state = await tierOf(tier).limiter.get(key);
      return state
        ? { points: state.consumedPoints, msBeforeReset: state.msBeforeNext }
        : { points: 0, msBeforeReset: 0 };
    },
    limit: (tier) => tierOf(tier).limit,
    async reset(tier, key) {
      await tierOf(tier).limiter.delete(key);
    },
  };
}
