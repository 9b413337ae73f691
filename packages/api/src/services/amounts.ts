import { z } from 'zod';
import { toCents, toDecimal } from './sync/decimal';

/** A positive money amount or multiplier from a client: a number or decimal string, kept exact. */
export const positiveDecimal = z
  .union([z.number(), z.string()], { message: 'must be a number' })
  .transform((value, ctx) => {
    try {
      const cents = toCents(value);
      if (cents <= 0n) throw new RangeError('not positive');
      return toDecimal(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a positive amount with at most two decimals' });
      return z.NEVER;
    }
  });

/** a >= b, exactly. */
export function atLeast(a: string, b: string): boolean {
  return toCents(a) >= toCents(b);
}
