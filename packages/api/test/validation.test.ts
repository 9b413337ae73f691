import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuesOf } from '../src/trpc';
import { fieldLabel, humanMessage } from '../src/validation';
import { createTestApi, insertUser, type TestApi } from './fixtures';

const HOUR = 3_600_000;

describe('validation messages read as a person would write them', () => {
  it('names the field in front of a predicate and leaves whole sentences alone', () => {
    expect(humanMessage(['name'], 'is required')).toBe('Name is required');
    expect(humanMessage(['endsAt'], 'must be after the start')).toBe('The end must be after the start');
    expect(humanMessage(['prizes', 2], 'must be more than 0')).toBe('The prize for rank 3 must be more than 0');
    expect(humanMessage(['code'], 'This code is taken')).toBe('This code is taken');
    expect(fieldLabel(['minMonthlyWager'])).toBe('The minimum monthly wager');
    expect(fieldLabel(['betaFeature'])).toBe('Beta feature');
  });
});

describe.each(testBackends())('input errors through the router (%s)', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  async function rejection(call: () => Promise<unknown>) {
    try {
      await call();
    } catch (err) {
      const { code, cause } = err as { code: string; cause?: unknown };
      return { code, messages: (issuesOf(cause) ?? []).map((i) => i.message) };
    }
    throw new Error('the call was accepted');
  }

  it('says "Name is required" and "The end must be after the start", never zod’s defaults', async () => {
    const admin = api.callerAs({ user: await insertUser(api.handle.db, { role: 'admin' }) });
    const start = new Date(Date.now() + 2 * HOUR);
    const error = await rejection(() =>
      admin.races.create({
        name: '  ',
        startsAt: start,
        endsAt: new Date(start.getTime() - HOUR),
        prizePool: '100.00',
        prizes: ['100.00'],
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.messages).toEqual(['Name is required', 'The end must be after the start']);
  });

  it('words type and range problems in plain language', async () => {
    const admin = api.callerAs({ user: await insertUser(api.handle.db, { role: 'admin' }) });
    const error = await rejection(() => admin.logs.list({ limit: 1000 }));
    expect(error.messages).toEqual(['Limit must be at most 200']);
    const wrongType = await rejection(() =>
      // @ts-expect-error: a client without types sends a string
      admin.logs.list({ limit: 'ten' }),
    );
    expect(wrongType.messages).toEqual(['Limit must be a number']);
  });
});
