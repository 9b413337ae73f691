import { fromCents, toCents } from './money';

/** What a player at `rank` with `wagered` must add to draw level with the next rank that pays more. */
export function gapToNextPrize(
  rank: number,
  wagered: string,
  prizeOf: (rank: number) => string,
  standingAt: (rank: number) => { wagered: string } | undefined,
): { rank: number; gap: string } | null {
  const own = toCents(prizeOf(rank)) ?? 0n;
  for (let target = rank - 1; target >= 1; target -= 1) {
    if ((toCents(prizeOf(target)) ?? 0n) <= own) continue;
    const holder = standingAt(target);
    const mine = toCents(wagered) ?? 0n;
    const theirs = holder ? (toCents(holder.wagered) ?? 0n) : 0n;
    return { rank: target, gap: fromCents(theirs > mine ? theirs - mine : 0n) };
  }
  return null;
}
