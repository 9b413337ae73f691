import { TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Request tiers, strictest first: auth attempts per client address and per username (password
 * guessing), then mutations and queries per identity (user, API key, or address).
 */
export type RateTier = 'authIp' | 'authUsername' | 'mutation' | 'query';

export interface TierLimit {
  points: number;
  durationSeconds: number;
}

export const defaultTiers: Record<RateTier, TierLimit> = {
  authIp: { points: 20, durationSeconds: 60 },
  authUsername: { points: 10, durationSeconds: 15 * 60 },
  mutation: { points: 60, durationSeconds: 60 },
  query: { points: 600, durationSeconds: 60 },
};

/** Carried as the cause of TOO_MANY_REQUESTS so the transport can send `Retry-After`. */
export class RateLimitedError extends Error {
  constructor(
    readonly tier: RateTier,
    readonly retryAfterMs: number,
  ) {
    super(`rate limited (${tier})`);
    this.name = 'RateLimitedError';
  }
}

export interface RateLimits {
  /** Counts one request; throws TOO_MANY_REQUESTS (with a retry hint) once the tier is spent. */
  consume(tier: RateTier, key: string): Promise<void>;
  /** Forgets a key's count, e.g. a username's after a successful sign-in. */
  reset(tier: RateTier, key: string): Promise<void>;
  readonly store: 'memory' | 'redis';
}

export interface RateLimitOptions {
  tiers?: Partial<Record<RateTier, TierLimit>>;
  /** Shares counters between instances; an in-memory limiter stands in while Redis is down. */
  redis?: Redis;
  /** Separates deployments (and tests) sharing one Redis. */
  keyPrefix?: string;
}

export function createRateLimits(options: RateLimitOptions = {}): RateLimits {
  const prefix = options.keyPrefix ?? 'goated:rl';
  const limiters = new Map<RateTier, RateLimiterAbstract>();
  for (const tier of Object.keys(defaultTiers) as RateTier[]) {
    const limit = { ...defaultTiers[tier], ...options.tiers?.[tier] };
    const base = { points: limit.points, duration: limit.durationSeconds, keyPrefix: `${prefix}:${tier}` };
    const memory = new RateLimiterMemory(base);
    limiters.set(
      tier,
      options.redis ? new RateLimiterRedis({ ...base, storeClient: options.redis, insuranceLimiter: memory }) : memory,
    );
  }
  const limiterFor = (tier: RateTier) => {
    const limiter = limiters.get(tier);
    if (!limiter) throw new Error(`unknown rate tier ${tier}`);
    return limiter;
  };

  return {
    store: options.redis ? 'redis' : 'memory',
    async consume(tier, key) {
      try {
        await limiterFor(tier).consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfterMs = Math.max(1000, rejection.msBeforeNext);
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
          cause: new RateLimitedError(tier, retryAfterMs),
        });
      }
    },
    async reset(tier, key) {
      await limiterFor(tier).delete(key);
    },
  };
}
