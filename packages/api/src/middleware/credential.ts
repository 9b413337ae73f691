import { t } from '../init';
import { endedError } from '../services/auth/credential';
import { credentialMonitor } from '../services/auth/credential-monitor';
import { endWithCredential } from '../services/auth/revocation';

/**
 * The caller's credential must still hold: a WebSocket's context lives as long as its
 * connection, and its session or key may have been revoked, expired or lost its owner's rights
 * since (services/auth/credential-monitor.ts).
 */
export const credentialStillValid = t.middleware(({ ctx, next }) => {
  const ended = credentialMonitor(ctx).reason(ctx);
  if (ended) throw endedError(ended, ctx.credential?.source.kind);
  return next();
});

/** A subscription ends (UNAUTHORIZED/FORBIDDEN, with the reason) when the credential behind it does. */
export const endsWithCredential = t.middleware(async ({ ctx, type, next }) => {
  const result = await next();
  if (type !== 'subscription' || !result.ok || !ctx.credential) return result;
  return { ...result, data: endWithCredential(result.data, ctx.credential, credentialMonitor(ctx)) };
});
