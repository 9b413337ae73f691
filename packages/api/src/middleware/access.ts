import type { ApiKeyScope } from '@goated/db';
import type { Context } from '../context';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { t } from '../init';

/** An account still on a generated password (first admin, operator reset) may only change it. */
function refuseGeneratedPassword(user: Context['user'], path: string): void {
  if (user?.mustChangePassword && path !== 'auth.changePassword') {
    throw new ForbiddenError('Choose a new password first: this account is still on a generated one');
  }
}

/** Signed-in users only. */
export const signedIn = t.middleware(({ ctx, path, next }) => {
  if (!ctx.user) throw new UnauthorizedError('Sign in first');
  refuseGeneratedPassword(ctx.user, path);
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Services holding an API key with `scope` (an `admin`-scoped key passes every scope check).
 * Signed-in admins pass too, so the dashboard can drive the same procedures.
 */
export function withScope(scope: ApiKeyScope) {
  return t.middleware(({ ctx, path, next }) => {
    const key = ctx.apiKey;
    if (key && (key.scopes.includes(scope) || key.scopes.includes('admin')))
      return next({ ctx: { ...ctx, apiKey: key } });
    if (!key && ctx.user?.role === 'admin') {
      refuseGeneratedPassword(ctx.user, path);
      return next({ ctx: { ...ctx, apiKey: null } });
    }
    if (!key && !ctx.user) throw new UnauthorizedError('An API key is required');
    throw new ForbiddenError(`This needs an API key with the ${scope} scope`);
  });
}

/**
 * Admins: a signed-in admin, or an API key with the `admin` scope; a `read`-scoped key may use
 * the admin queries and streams but change nothing.
 */
export const adminOnly = t.middleware(({ ctx, type, path, next }) => {
  if (ctx.user?.role === 'admin') {
    refuseGeneratedPassword(ctx.user, path);
    return next();
  }
  const scopes = ctx.apiKey?.scopes ?? [];
  if (scopes.includes('admin') || (type !== 'mutation' && scopes.includes('read'))) return next();
  if (!ctx.user && !ctx.apiKey) throw new UnauthorizedError('Sign in first');
  throw new ForbiddenError('Admins only');
});
