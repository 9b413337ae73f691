/**
 * The procedure builders, each a chain of small named middlewares (`middleware/`), the way
 * cal.com composes `authedProcedure`. Every procedure starts from `base`:
 *
 *   observed → mapDomainErrors → credentialStillValid → storableText → endsWithCredential
 *
 * `observed` is outermost so it reports the code the call finally ended with; `mapDomainErrors`
 * is next so every refusal thrown below it — by a service or a middleware — reaches the caller
 * as its tRPC code. Each kind then adds its rate limit, its access check and `retryingReads`.
 */
import type { ApiKeyScope } from '@goated/db';
import { t } from './init';
import { adminOnly, signedIn, withScope } from './middleware/access';
import { credentialStillValid, endsWithCredential } from './middleware/credential';
import { mapDomainErrors } from './middleware/map-domain-errors';
import { observed } from './middleware/observed';
import { limitedByCaller, limitedByPrincipal } from './middleware/rate-limits';
import { retryingReads } from './middleware/retrying-reads';
import { storableText } from './middleware/storable-text';
import type { RateTier } from './services/rate-limit';

export type { Access, ProcedureMeta } from './init';
export { issuesOf } from './init';
export { callTier } from './middleware/rate-limits';

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** What every procedure passes first (see the top of this file). */
const base = t.procedure
  .use(observed)
  .use(mapDomainErrors)
  .use(credentialStillValid)
  .use(storableText)
  .use(endsWithCredential);

export const publicProcedure = base.meta({ access: 'public' }).use(limitedByCaller).use(retryingReads);

/** Signed-in users only. */
export const protectedProcedure = publicProcedure.meta({ access: 'session' }).use(signedIn);

/**
 * Services holding an API key with `scope` (an `admin`-scoped key passes every scope check).
 * Signed-in admins pass too, so the dashboard can drive the same procedures.
 */
export function scopedProcedure(scope: ApiKeyScope) {
  return base
    .meta({ access: `apiKey:${scope}` })
    .use(limitedByCaller)
    .use(withScope(scope))
    .use(retryingReads);
}

/**
 * A scoped procedure that a service calls on behalf of someone else (the bot, for a Telegram
 * user): its calls count against `tier` for the key `keyOf` finds in the raw input — that
 * person's budget — instead of against the service's key (see `limitedByPrincipal`).
 */
export function scopedProcedureOnBehalf(
  scope: ApiKeyScope,
  tier: RateTier,
  keyOf: (rawInput: unknown) => string | null,
) {
  return base
    .meta({ access: `apiKey:${scope}`, rateTiers: [tier] })
    .use(withScope(scope))
    .use(limitedByPrincipal(tier, keyOf))
    .use(retryingReads);
}

/**
 * Admins: a signed-in admin, or an API key with the `admin` scope; a `read`-scoped key may use
 * the admin queries and streams but change nothing.
 */
export const adminProcedure = publicProcedure.meta({ access: 'admin' }).use(adminOnly);
