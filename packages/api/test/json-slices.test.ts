import { describe, expect, it } from 'vitest';
import { parseJsonYielding } from '../src/services/sync/json-slices';

/** A record with the characters a naive splitter trips on, padded so pages pass the 1 MB mark. */
function record(i: number) {
  return {
    uid: `p${i}`,
    name: `Name, with "quotes" [brackets] {braces} \\ and \u00e9 ${i}`,
    wagered: { today: i / 4, this_week: `${i}.50`, this_month: [1, [2, { x: ']' }]], all_time: null },
    pad: 'x'.repeat(300),
  };
}
const records = (n: number) => Array.from({ length: n }, (_, i) => record(i));

async function same(text: string): Promise<void> {
  let expected: unknown;
  let expectedError: string | undefined;
  try {
    expected = JSON.parse(text);
  } catch (err) {
    expectedError = (err as Error).message;
  }
  if (expectedError !== undefined) {
    await expect(parseJsonYielding(text)).rejects.toThrow(expectedError);
  } else {
    expect(await parseJsonYielding(text)).toEqual(expected);
  }
}

describe('parseJsonYielding', () => {
  const big = records(5000);

  it('parses a big root array and a big { data, next_cursor } page exactly as JSON.parse does', async () => {
    const array = JSON.stringify(big);
    expect(array.length).toBeGreaterThan(1 << 20);
    await same(array);
    await same(`  \n${array}\n `);
    await same(JSON.stringify({ next_cursor: 'abc', data: big, meta: { pages: [1, 2], note: 'data' } }));
    await same(JSON.stringify({ data: big, next_cursor: null }, null, 2));
    await same(JSON.stringify({ data: [], next_cursor: null, pad: 'y'.repeat(1 << 20) }));
  });

  it('leaves what it does not expect to JSON.parse: its result, or its exact error', async () => {
    const array = JSON.stringify(big);
    await same(`${array.slice(0, -1)},]`); // trailing comma
    await same(`${array}]`); // trailing garbage
    await same(array.slice(0, -1)); // truncated
    await same(array.replace('"p42"', '"p42')); // broken string
    await same(`{"data": ${array}, "data": [1]}`); // repeated key: the last one wins
    await same(`{"items": ${array}}`); // no data array at all
    await same(`{"data": {"nested": ${array}}}`); // data that is not an array
  });

  it('yields to the event loop while parsing a big page', async () => {
    const text = JSON.stringify({ data: records(20_000), next_cursor: null });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const parsed = await parseJsonYielding(text);
      expect((parsed as { data: unknown[] }).data).toHaveLength(20_000);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  });
});
