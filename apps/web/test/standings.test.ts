import { describe, expect, it } from 'vitest';
import { gapToNextPrize } from '../src/standings';

const prizes = ['500.00', '300.00', '300.00', '100.00'];
const wagers = ['9000.00', '4000.50', '3000.00', '2999.99', '10.00'];
const prizeOf = (rank: number) => prizes[rank - 1] ?? '0.00';
const standingAt = (rank: number) => {
  const wagered = wagers[rank - 1];
  return wagered ? { rank, uid: `p${rank}`, name: `P${rank}`, wagered, prize: prizeOf(rank) } : undefined;
};

describe('the gap to the next prize', () => {
  it('is what draws a player level with the nearest rank that pays more', () => {
    expect(gapToNextPrize(2, '4000.50', prizeOf, standingAt)).toEqual({ rank: 1, gap: '4999.50' });
    // #2 and #3 pay the same: #3 looks past #2 to #1.
    expect(gapToNextPrize(3, '3000.00', prizeOf, standingAt)).toEqual({ rank: 1, gap: '6000.00' });
    expect(gapToNextPrize(4, '2999.99', prizeOf, standingAt)).toEqual({ rank: 3, gap: '0.01' });
  });

  it('points a player outside the prizes at the last paid rank, and the leader at nothing', () => {
    expect(gapToNextPrize(5, '10.00', prizeOf, standingAt)).toEqual({ rank: 4, gap: '2989.99' });
    expect(gapToNextPrize(1, '9000.00', prizeOf, standingAt)).toBeNull();
  });
});
