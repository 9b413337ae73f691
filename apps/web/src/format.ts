const grouping = new Intl.NumberFormat('en-US');
const decimal = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Formats an exact decimal string ("1234567.885") as "1,234,567.89" using integer arithmetic,
 * so large totals never pick up floating-point error. Anything unexpected is shown as is.
 */
export function formatAmount(value: string): string {
  const match = decimal.exec(value.trim());
  if (!match) return value;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = `${fraction}000`;
  let cents = BigInt(whole) * 100n + BigInt(digits.slice(0, 2));
  if (digits.charAt(2) >= '5') cents += 1n; // round half up on the third decimal
  const units = grouping.format(cents / 100n);
  const rest = (cents % 100n).toString().padStart(2, '0');
  return `${sign && cents > 0n ? '-' : ''}${units}.${rest}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Date and time to the second ("Mar 10, 2026, 9:52:07 AM"): for runs and logs. */
export function formatDateTimeSeconds(date: Date): string {
  return dateTimeSeconds.format(date);
}

/** A duration in ms as "850 ms", "12.4 s" or "3 min 5 s". */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatDateTime(date: Date): string {
  return dateTime.format(date);
}

/** The time of day to the second ("9:52:07 AM"). */
export function formatTime(date: Date): string {
  return time.format(date);
}

export function formatDate(date: Date): string {
  return dateOnly.format(date);
}

/** A time span for countdowns: "1d 02:03:04", or "02:03:04" under a day; never negative. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const hms = [hours, minutes, seconds].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${hms}` : hms;
}

/**
 * A player's name as text: invisible formatting characters (bidi overrides such as U+202E,
 * zero-width characters, the BOM) removed — names come from the casino's feed.
 */
export function playerNameText(name: string): string {
  return name.replace(/\p{Cf}/gu, '').trim() || 'Anonymous';
}
