import { testBackends } from '@goated/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

describe.each(testBackends())('leaderboard on %s', (kind) => {
  let t: TestApi;

  beforeAll(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, [
      { uid: 'u1', name: 'Alice', month: '500.00', today: '5.00' },
      { uid: 'u2', name: 'Bob', month: '900.50' },
      { uid: 'u3', name: 'Carol', month: '500.00' }, // ties with Alice: uid breaks the tie
      { uid: 'u4', name: 'Alfred', month: '100.25' },
      { uid: 'u5', name: 'Zero', month: '0' },
      { uid: 'u6', name: 'al_underscore', month: '50.00' },
    ]);
  });
  afterAll(() => t.close());

  it('ranks players by wager, highest first, ties broken by uid', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', limit: 10 });
    expect(page.entries.map((e) => [e.rank, e.uid, e.wagered])).toEqual([
      [1, 'u2', '900.50'],
      [2, 'u1', '500.00'],
      [3, 'u3', '500.00'],
      [4, 'u4', '100.25'],
      [5, 'u6', '50.00'],
    ]);
    expect(page.nextCursor).toBeNull();
  });

  it('leaves out players who wagered nothing in the period', async () => {
    const page = await t.caller.leaderboard.top({ period: 'today' });
    expect(page.entries.map((e) => e.uid)).toEqual(['u1']);
  });

  it('pages with a cursor and keeps ranks continuous', async () => {
    const first = await t.caller.leaderboard.top({ period: 'month', limit: 2 });
    expect(first.entries.map((e) => e.rank)).toEqual([1, 2]);
    expect(first.nextCursor).toBe(2);
    const second = await t.caller.leaderboard.top({ period: 'month', limit: 2, cursor: first.nextCursor });
    expect(second.entries.map((e) => [e.rank, e.uid])).toEqual([
      [3, 'u3'],
      [4, 'u4'],
    ]);
    const third = await t.caller.leaderboard.top({ period: 'month', limit: 2, cursor: second.nextCursor });
    expect(third.entries.map((e) => e.uid)).toEqual(['u6']);
    expect(third.nextCursor).toBeNull();
  });

  it('searches by name prefix, case-insensitively, keeping overall ranks', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', search: 'AL' });
    expect(page.entries.map((e) => [e.rank, e.name])).toEqual([
      [2, 'Alice'],
      [4, 'Alfred'],
      [5, 'al_underscore'],
    ]);
  });

  it('treats LIKE wildcards in a search as plain text', async () => {
    const page = await t.caller.leaderboard.top({ period: 'month', search: 'al_' });
    expect(page.entries.map((e) => e.name)).toEqual(['al_underscore']);
    const none = await t.caller.leaderboard.top({ period: 'month', search: '%' });
    expect(none.entries).toEqual([]);
  });

  it("gives a player's rank with the neighbours above and below", async () => {
    const pos = await t.caller.leaderboard.position({ period: 'month', uid: 'u3', neighbours: 2 });
    expect(pos.player).toEqual({ uid: 'u3', name: 'Carol', wagered: '500.00', rank: 3 });
    expect(pos.above.map((e) => [e.rank, e.uid])).toEqual([
      [1, 'u2'],
      [2, 'u1'],
    ]);
    expect(pos.below.map((e) => [e.rank, e.uid])).toEqual([
      [4, 'u4'],
      [5, 'u6'],
    ]);
  });

  it('reports no rank for a player who wagered nothing in the period', async () => {
    const pos = await t.caller.leaderboard.position({ period: 'month', uid: 'u5', neighbours: 1 });
    expect(pos.player.rank).toBeNull();
    expect(pos.below).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown player', async () => {
    await expect(t.caller.leaderboard.position({ period: 'week', uid: 'nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('rejects bad input with an error naming the field', async () => {
    const error = await t.caller.leaderboard
      // @ts-expect-error: 'year' is not a period
      .top({ period: 'year', limit: 1000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (error as TRPCError).cause;
    expect(String(issues)).toMatch(/period/);
    expect(String(issues)).toMatch(/limit/);
  });
});
