import type { ReactNode } from 'react';
import { formatMoney } from '../format';
import { fromCents, toCents } from '../money';
import type { FieldOptions } from './Field';

/** Whole cents of what the admin typed ("12.5"; null when it is not an amount), so the total is exact. */
function cents(text: string): bigint | null {
  return /^\d{1,15}(?:\.\d{1,2})?$/.test(text.trim()) ? toCents(text) : null;
}

const money = fromCents;

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

/** A race's pool and its split by rank (what a race and a recurring race both ask), with the running total. */
export function PrizeFields({
  draft,
  field,
}: {
  draft: { prizePool: string; prizes: string };
  field: (name: 'prizePool' | 'prizes', label: string, options?: FieldOptions) => ReactNode;
}) {
  return (
    <>
      <div className="row">
        {field('prizePool', 'Prize pool', { hint: 'e.g. 1000.00' })}
        {field('prizes', 'Prize per rank', { hint: 'Rank 1, 2, 3 …, comma-separated; must add up to the pool' })}
      </div>
      <SplitTotal pool={draft.prizePool} prizes={prizeList(draft.prizes)} />
    </>
  );
}
