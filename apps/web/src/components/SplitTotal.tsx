import { formatMoney } from '../format';

/** Whole cents of "12.5" (null when it is not an amount), so the running total is exact. */
function cents(text: string): bigint | null {
  const match = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

const money = (c: bigint) =>
  `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;

/** "Prizes add up to 900.00 of 1,000.00 — 100.00 left", as the admin types. */
export function SplitTotal({ pool, prizes }: { pool: string; prizes: string[] }) {
  const poolCents = cents(pool);
  const parts = prizes.map(cents);
  if (poolCents === null || parts.some((p) => p === null)) {
    return (
      <p className="small muted" aria-live="polite" data-testid="split-total">
        Amounts such as 250 or 250.50, comma-separated.
      </p>
    );
  }
  const total = parts.reduce<bigint>((a, p) => a + (p ?? 0n), 0n);
  const left = poolCents - total;
  return (
    <p className={`small ${left === 0n ? 'ok-text' : 'warn-text'}`} aria-live="polite" data-testid="split-total">
      {prizes.length} {prizes.length === 1 ? 'prize adds' : 'prizes add'} up to {formatMoney(money(total))} of{' '}
      {formatMoney(money(poolCents))} —{' '}
      {left === 0n
        ? 'the whole pool is shared out'
        : left > 0n
          ? `${formatMoney(money(left))} left`
          : `${formatMoney(money(-left))} too much`}
    </p>
  );
}

/** "500, 300, 200" → ['500', '300', '200']. */
export function prizeList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
}
