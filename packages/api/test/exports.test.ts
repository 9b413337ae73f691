import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cell, openExport } from '../src/services/exports';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

async function collect(batches: AsyncGenerator<Cell[][]>): Promise<{ sizes: number[]; rows: Cell[][] }> {
  const sizes: number[] = [];
  const rows: Cell[][] = [];
  for await (const batch of batches) {
    sizes.push(batch.length);
    rows.push(...batch);
  }
  return { sizes, rows };
}

describe.each(testBackends())('the leaderboard export on %s', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(kind);
    // Runs of equal amounts that straddle the edges of batches of 3; two players at 0 are unranked.
    const amounts = ['900.00', '500.00', '500.00', '500.00', '500.00', '120.50', '120.50', '99.99', '10.00', '10.00'];
    await insertPlayers(t.deps.db, [
      ...amounts.map((all, i) => ({ uid: `p${String(amounts.length - i).padStart(2, '0')}`, all })),
      { uid: 'z1', all: '0' },
      { uid: 'z2', all: '0' },
    ]);
  });
  afterAll(() => t.close());

  it('walks the board in batches across runs of ties, every ranked player once, in board order', async () => {
    const whole = await collect(openExport(t.deps.db, 'leaderboard', { period: 'all' }).batches);
    expect(whole.sizes).toEqual([10]);
    for (const size of [1, 2, 3, 4]) {
      const batched = await collect(openExport(t.deps.db, 'leaderboard', { period: 'all' }, size).batches);
      expect(batched.rows, `batches of ${size}`).toEqual(whole.rows);
      expect(batched.sizes.every((n) => n <= size)).toBe(true);
    }
    expect(whole.rows.map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Ties in uid order, amounts as exact decimals.
    expect(whole.rows.slice(0, 5).map((r) => [r[1], r[3]])).toEqual([
      ['p10', '900.00'],
      ['p06', '500.00'],
      ['p07', '500.00'],
      ['p08', '500.00'],
      ['p09', '500.00'],
    ]);
  });
});
