/**
 * Password guessing must not lock anyone out: strangers are throttled per (account, address)
 * and per address, and past an account-wide number of failures only addresses that have not
 * failed may try — so the owner, from a fresh address, still signs in. Default tiers, both
 * databases.
 */
import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/index';
import { createCallerFactory, createContext, createRateLimits } from '../src/server';
import { createTestApi, type TestApi } from './fixtures';

const PASSWORD = 'the owner remembers';
const createCaller = createCallerFactory(appRouter);

describe.each(testBackends())('sign-in throttling on %s', (kind) => {
  let t: TestApi;

  beforeAll(async () => {
    t = await createTestApi(kind);
    t.deps.rateLimits = createRateLimits();
  });
  afterAll(() => t.close());

  const from = (ip: string) => createCaller(createContext(t.deps, { requestId: 'test', ip }));
  const attempt = (ip: string, username: string, password: string) =>
    from(ip)
      .auth.signIn({ username, password, mode: 'token' })
      .then(
        () => 'signed in',
        (err: unknown) => (err instanceof Error && 'code' in err ? String(err.code) : 'error'),
      );

  async function guesses(username: string, ips: string[], perIp: number): Promise<string[]> {
    const answers: string[] = [];
    for (const ip of ips) for (let i = 0; i < perIp; i++) answers.push(await attempt(ip, username, `guess ${ip} ${i}`));
    return answers;
  }

  it('a stranger’s failures lock out neither the owner nor an admin', async () => {
    await t.caller.auth.signUp({ username: 'the_owner', password: PASSWORD, mode: 'token' });
    // More failures than the old account-wide lock allowed (10 per 15 minutes).
    const answers = await guesses('the_owner', ['203.0.113.1', '203.0.113.2', '203.0.113.3'], 4);
    expect(new Set(answers)).toEqual(new Set(['UNAUTHORIZED']));
    expect(await attempt('198.51.100.1', 'the_owner', PASSWORD)).toBe('signed in');
  });

  it('refuses an address after its failures on an account, and only on that account', async () => {
    await t.caller.auth.signUp({ username: 'pair_target', password: PASSWORD, mode: 'token' });
    await t.caller.auth.signUp({ username: 'pair_other', password: PASSWORD, mode: 'token' });
    expect(await guesses('pair_target', ['203.0.113.20'], 5)).toEqual(Array(5).fill('UNAUTHORIZED'));
    // Even the right password: the pair is spent until its window passes.
    expect(await attempt('203.0.113.20', 'pair_target', PASSWORD)).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('203.0.113.20', 'pair_other', PASSWORD)).toBe('signed in');
    expect(await attempt('198.51.100.20', 'pair_target', PASSWORD)).toBe('signed in');
  });

  it('under a distributed attack, each address gets one guess and the owner from a fresh address still signs in', async () => {
    await t.caller.auth.signUp({ username: 'under_attack', password: PASSWORD, mode: 'token' });
    const ips = Array.from({ length: 6 }, (_, i) => `203.0.113.${40 + i}`);
    // 24 failures from six addresses: past the account-wide 20.
    await guesses('under_attack', ips, 4);
    expect(await attempt(ips[0] ?? '', 'under_attack', PASSWORD)).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('203.0.113.99', 'under_attack', 'one more guess')).toBe('UNAUTHORIZED');
    expect(await attempt('203.0.113.99', 'under_attack', 'and another')).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('198.51.100.40', 'under_attack', PASSWORD)).toBe('signed in');
  });

  it('throttles a name that does not exist exactly like one that does', async () => {
    await t.caller.auth.signUp({ username: 'real_name', password: PASSWORD, mode: 'token' });
    const real = await guesses('real_name', ['192.0.2.1'], 6);
    expect(real.at(-1)).toBe('TOO_MANY_REQUESTS');
    const unknown = await guesses('nobody_by_this_name', ['192.0.2.1'], 6);
    expect(unknown).toEqual(real);
  });

  it('a success clears that address’s failures on the account', async () => {
    await t.caller.auth.signUp({ username: 'fumbler', password: PASSWORD, mode: 'token' });
    for (let round = 0; round < 3; round++) {
      expect(await guesses('fumbler', ['192.0.2.50'], 4)).toEqual(Array(4).fill('UNAUTHORIZED'));
      expect(await attempt('192.0.2.50', 'fumbler', PASSWORD)).toBe('signed in');
    }
  });
});
