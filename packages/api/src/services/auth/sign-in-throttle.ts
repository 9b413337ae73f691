/**
 * Password guessing without lock-outs — the scheme of OWASP's Authentication Cheat Sheet
 * ("account lockout" → throttle by account *and* source instead):
 *
 * 1. per address, every attempt (`authIp`, 20 a minute): one machine cannot hammer anything;
 * 2. per (account, address), failures (`authAccountIp`, 5 per 15 minutes): that pair is refused
 *    until its window passes — the account's owner elsewhere is unaffected;
 * 3. per account, failures from anywhere (`authAccount`, 20 per hour): past it the account is
 *    "under attack", and only addresses with no failure on it in the window may try. A
 *    distributed attack gets one guess per address per hour; the owner with the right password
 *    from a fresh address still signs in.
 *
 * A success clears that (account, address) pair, never the account-wide count (the attack may
 * go on). Unknown names are throttled exactly like real ones, so the answers reveal nothing.
 */
import { type RateLimits, tooManyRequests } from '../rate-limit';

export interface SignInThrottle {
  /** Refuses (TOO_MANY_REQUESTS) before the password is checked, when this attempt may not be made. */
  admit(): Promise<void>;
  failed(): Promise<void>;
  succeeded(): Promise<void>;
}

const TRY_LATER = 'Too many failed sign-ins for this account from here; try again in';

export function signInThrottle(limits: RateLimits, account: string, address: string): SignInThrottle {
  const pair = `${account}|${address}`;
  return {
    async admit() {
      await limits.consume('authIp', address);
      const fromHere = await limits.used('authAccountIp', pair);
      if (fromHere.points >= limits.limit('authAccountIp').points) {
        throw tooManyRequests(
          'authAccountIp',
          fromHere.msBeforeReset,
          `${TRY_LATER} ${minutes(fromHere.msBeforeReset)}`,
        );
      }
      if (fromHere.points === 0) return;
      const anywhere = await limits.used('authAccount', account);
      if (anywhere.points >= limits.limit('authAccount').points) {
        const wait = Math.min(anywhere.msBeforeReset, fromHere.msBeforeReset);
        throw tooManyRequests('authAccount', wait, `${TRY_LATER} ${minutes(wait)}`);
      }
    },
    async failed() {
      await limits.penalize('authAccountIp', pair);
      await limits.penalize('authAccount', account);
    },
    async succeeded() {
      await limits.reset('authAccountIp', pair);
    },
  };
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? 'a minute' : `${m} minutes`;
}
