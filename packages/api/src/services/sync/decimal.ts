/**
 * Exact money arithmetic on decimal strings with two places, via integer cents (bigint), so
 * no float ever touches a wager total.
 */
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

export function toDecimal(value: number | string): string {
  return centsToDecimal(toCents(value));
}
