/** Whole cents of an exact amount ("12.5" → 1250n); null when it is not an amount. */
export function toCents(text: string): bigint | null {
  const match = /^(-?)(\d{1,15})(?:\.(\d{1,2})\d*)?$/.exec(text.trim());
  if (!match) return null;
  const cents = BigInt(match[2] ?? '0') * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

/** Cents back to an exact amount string ("-12.50"). */
export function fromCents(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Whether an amount is zero ("0", "0.00"), i.e. a rank that pays nothing. */
export function isZero(text: string): boolean {
  return toCents(text) === 0n;
}
