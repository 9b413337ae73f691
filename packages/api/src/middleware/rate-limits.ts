import { t } from '../init';
import type { RateTier } from '../services/rate-limit';

/** The tier every call counts against: mutations, or queries (subscriptions count as queries). */
export function callTier(type: 'query' | 'mutation' | 'subscription'): RateTier {
  return type === 'mutation' ? 'mutation' : 'query';
}

/** The caller's own budget: per user, per API key, or per address. */
export const limitedByCaller = t.middleware(async ({ ctx, type, next }) => {
  if (ctx.rateLimits) {
    const who = ctx.user ? `u:${ctx.user.id}` : ctx.apiKey ? `k:${ctx.apiKey.id}` : `ip:${ctx.ip ?? 'unknown'}`;
    await ctx.rateLimits.consume(callTier(type), who);
  }
  return next();
});

/**
 * A service calling on behalf of someone else (the bot, for a Telegram user): the call counts
 * against `tier` for the key `keyOf` finds in the raw input — that person's budget — instead of
 * against the service's key, so one busy person cannot spend everyone's. Without such a key in
 * the input, the caller's own key counts.
 */
export function limitedByPrincipal(tier: RateTier, keyOf: (rawInput: unknown) => string | null) {
  return t.middleware(async ({ ctx, type, getRawInput, next }) => {
    if (ctx.rateLimits) {
      const principal = keyOf(await getRawInput());
      if (principal) await ctx.rateLimits.consume(tier, principal);
      else await ctx.rateLimits.consume(callTier(type), `k:${ctx.apiKey?.id ?? 'none'}`);
    }
    return next();
  });
}
