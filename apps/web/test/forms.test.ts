import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatDuration, formatMoney, formatMoneyShort, setCurrency } from '../src/format';
import { errorFor, fieldErrors, formError } from '../src/forms';
import { shouldRetry } from '../src/queryClient';

const prizeSplitError = {
  message: 'The prizes must add up to the prize pool exactly.',
  data: {
    zodIssues: [
      { path: ['prizes'], message: 'The prizes must add up to the prize pool exactly', code: 'custom' },
      {
        path: ['prizes', 2],
        message: 'The prize for rank 3 must not be more than the prize for rank 2',
        code: 'custom',
      },
      { path: ['name'], message: 'Name is required', code: 'too_small' },
    ],
  },
};

describe('form errors from the server’s zod issues', () => {
  it('keeps the first message for each field path', () => {
    expect(fieldErrors(prizeSplitError)).toEqual({
      prizes: 'The prizes must add up to the prize pool exactly',
      'prizes.2': 'The prize for rank 3 must not be more than the prize for rank 2',
      name: 'Name is required',
    });
  });

  it('shows an item’s issue under its list field', () => {
    const errors = fieldErrors({ message: '', data: { zodIssues: [prizeSplitError.data.zodIssues[1] ?? never()] } });
    expect(errorFor(errors, 'prizes')).toBe('The prize for rank 3 must not be more than the prize for rank 2');
    expect(errorFor(errors, 'name')).toBeUndefined();
  });

  it('says nothing above the form when every issue sits next to a field', () => {
    expect(formError(prizeSplitError, ['name', 'prizes'])).toBeUndefined();
    expect(formError(prizeSplitError, ['name'])).toBe(
      'The prizes must add up to the prize pool exactly. The prize for rank 3 must not be more than the prize for rank 2.',
    );
  });

  it('shows the message itself for errors without field issues', () => {
    expect(formError({ message: 'Invalid username or password', data: { zodIssues: null } }, ['username'])).toBe(
      'Invalid username or password',
    );
    expect(fieldErrors(null)).toEqual({});
  });
});

describe('display formats', () => {
  it('formats exact decimal amounts without floating point', () => {
    expect(formatAmount('1234567.885')).toBe('1,234,567.89');
    expect(formatAmount('90071992547409.99')).toBe('90,071,992,547,409.99');
    expect(formatAmount('0')).toBe('0.00');
  });

  it('writes money one way everywhere: the currency symbol and thousands separators', () => {
    expect(formatMoney('1234567.885')).toBe('$1,234,567.89');
    expect(formatMoney('-5')).toBe('-$5.00');
    expect(formatMoney(2500)).toBe('$2,500.00');
    expect(formatMoneyShort(1_250_000)).toBe('$1.3M');
    expect(formatMoneyShort(45_000)).toBe('$45K');
    setCurrency('EUR');
    try {
      expect(formatMoney('10')).toBe('€10.00');
    } finally {
      setCurrency('USD');
    }
    expect(formatMoney('10')).toBe('$10.00');
  });

  it('formats a countdown as days and h:m:s', () => {
    expect(formatDuration(((26 * 60 + 3) * 60 + 4) * 1000)).toBe('1d 02:03:04');
    expect(formatDuration(59_999)).toBe('00:00:59');
    expect(formatDuration(-5)).toBe('00:00:00');
  });
});

describe('query retries', () => {
  const failure = (code: string) =>
    new TRPCClientError('failed', { result: { error: { message: 'failed', code: -32000, data: { code } } } });

  it('never retries an answer that cannot change (not found, bad input, not allowed)', () => {
    expect(failure('NOT_FOUND').data).toEqual({ code: 'NOT_FOUND' });
    for (const code of ['NOT_FOUND', 'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN']) {
      expect(shouldRetry(0, failure(code)), code).toBe(false);
    }
  });

  it('retries twice what may pass: a server error, a dropped connection', () => {
    expect(shouldRetry(0, failure('INTERNAL_SERVER_ERROR'))).toBe(true);
    expect(shouldRetry(1, new TypeError('Failed to fetch'))).toBe(true);
    expect(shouldRetry(2, new TypeError('Failed to fetch'))).toBe(false);
  });
});

function never(): never {
  throw new Error('fixture is missing an issue');
}
