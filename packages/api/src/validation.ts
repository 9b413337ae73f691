/**
 * Validation messages a person would write, solved once for every procedure: zod's defaults
 * ("Too small: expected string to have >=1 characters") are replaced by short predicates
 * ("is required", "must be at most 80 characters"), and every issue is then put in a sentence
 * with the field's label ("Name is required", "The end must be after the start"). Services keep
 * writing their own rules as predicates ("must be in the future"); a message that already
 * starts with a capital is left as it is.
 */
import { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

const unit = (origin: unknown, n: number): string => {
  const plural = n === 1 ? '' : 's';
  if (origin === 'string') return `${n} character${plural}`;
  if (origin === 'array' || origin === 'set') return `${n} item${plural}`;
  return String(n);
};

function bound(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
}

const typeNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  date: 'a date',
  array: 'a list',
  object: 'a set of fields',
  bigint: 'a whole number',
};

/** A predicate for zod's own issues (the ones a schema gave no message for). */
export function defaultPredicate(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'is required';
      if (issue.expected === 'date' && issue.input instanceof Date) return 'must be a valid date';
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const min = bound(issue.minimum);
      if ((issue.origin === 'string' || issue.origin === 'array') && min === 1) {
        return issue.origin === 'string' ? 'is required' : 'needs at least one item';
      }
      if (issue.origin === 'date') return `must be on or after ${new Date(min).toISOString()}`;
      if (issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set') {
        return `must be at least ${unit(issue.origin, min)}`;
      }
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = bound(issue.maximum);
      if (issue.origin === 'date') return `must be on or before ${new Date(max).toISOString()}`;
      if (issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set') {
        return `must be at most ${unit(issue.origin, max)}`;
      }
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a web address such as https://example.com/feed';
      if (issue.format === 'email') return 'must be an email address';
      return 'is not in the expected format';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has fields it does not know: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'is not valid here';
    default:
      return undefined;
  }
}

let configured = false;
/** Installs the predicates as zod's global error map (idempotent; the router imports it). */
export function useHumanValidationMessages(): void {
  if (configured) return;
  configured = true;
  z.config({ customError: defaultPredicate });
}
useHumanValidationMessages();

/** How a field is named in a sentence; fields not listed are named from their key. */
const labels: Record<string, string> = {
  startsAt: 'The start',
  endsAt: 'The end',
  prizePool: 'The prize pool',
  prizes: 'The prizes',
  minWager: 'The minimum wager',
  minMonthlyWager: 'The minimum monthly wager',
  maxClaims: 'The claim limit',
  maxWinners: 'The number of winners',
  minMultiplier: 'The minimum multiplier',
  minBet: 'The minimum bet',
  expiresAt: 'The expiry',
  userIds: 'The selection',
  userId: 'The user',
  timeZone: 'The time zone',
  startDay: 'The start day',
  startTime: 'The start time',
  leadHours: 'The lead time',
  url: 'The feed URL',
  token: 'The token',
  betReference: 'The bet reference',
  betAmount: 'The bet amount',
  since: 'The start date',
  until: 'The end date',
};

/** Per-item labels of list fields: `prizes.2` is "The prize for rank 3". */
const itemLabels: Record<string, (index: number) => string> = {
  prizes: (i) => `The prize for rank ${i + 1}`,
};

/** "minMonthlyWager" → "Min monthly wager". */
function fromKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export function fieldLabel(path: readonly (string | number)[]): string {
  const last = path.at(-1);
  if (last === undefined) return 'The input';
  if (typeof last === 'number') {
    const parent = path.at(-2);
    if (typeof parent === 'string') {
      const item = itemLabels[parent];
      return item ? item(last) : `${fieldLabel(path.slice(0, -1))} #${last + 1}`;
    }
    return `Item ${last + 1}`;
  }
  return labels[last] ?? fromKey(last);
}

/** The issue as a sentence: a predicate gets its field's label in front. */
export function humanMessage(path: readonly (string | number)[], message: string): string {
  const first = message.charAt(0);
  if (first === '' || first !== first.toLowerCase()) return message || `${fieldLabel(path)} is not valid`;
  return `${fieldLabel(path)} ${message}`;
}
