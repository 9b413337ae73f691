/**
 * Money: exact arithmetic on decimal strings with two places, via integer cents (bigint), so
 * no float ever touches a wager total; and the schema for an amount a person types.
 */
import { z } from 'zod';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Parses a non-negative amount (number or numeric string) to cents, rounding half up. */
export function toCents(value: number | string): bigint {
  const text = typeof value === 'number' ? numberToPlain(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`not a non-negative decimal: ${JSON.stringify(value)}`);
  const whole = BigInt(match[1] ?? '0');
  const fraction = (match[2] ?? '').padEnd(3, '0');
  const cents = whole * 100n + BigInt(fraction.slice(0, 2));
  return Number(fraction[2]) >= 5 ? cents + 1n : cents;
}

function numberToPlain(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n);
  // Enough digits to round correctly, without exponent notation.
  return n.toFixed(6);
}

export function centsToDecimal(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

const TWO_PLACES_OR_FEWER = /^(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Normalizes an amount to a two-place decimal string, rounding half up. Amounts that need no
 * rounding (the usual case, and four per record on a 100,000-player feed) skip the bigint path.
 */
export function toDecimal(value: number | string): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return `${value}.00`;
    // Already whole cents, give or take float noise (0.1 + 0.2): no rounding decision to make.
    const scaled = value * 100;
    const cents = Math.round(scaled);
    if (value >= 0 && scaled < Number.MAX_SAFE_INTEGER && Math.abs(scaled - cents) < 1e-6) {
      return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    }
    return centsToDecimal(toCents(value));
  }
  const match = TWO_PLACES_OR_FEWER.exec(value.trim());
  if (match) {
    const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
    return `${whole}.${(match[2] ?? '').padEnd(2, '0')}`;
  }
  return centsToDecimal(toCents(value));
}

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
