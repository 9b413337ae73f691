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

let currencyCode = 'USD';
let currencySymbol = '$';

/** The symbol a currency is written with in en-US ("$" for USD, "€" for EUR, the code otherwise). */
export function currencySymbolOf(code: string): string {
  try {
    const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).formatToParts(0);
    return parts.find((part) => part.type === 'currency')?.value ?? code;
  } catch {
    // Not an ISO 4217 code Intl knows: written out, as the server spells it.
    return `${code} `;
  }
}

/** The site's currency, from the server's configuration once it is known (USD until then). */
export function setCurrency(code: string): void {
  currencyCode = code;
  currencySymbol = currencySymbolOf(code);
}

export function currentCurrency(): string {
  return currencyCode;
}

/**
 * The one money format of the site: "$1,234,567.89" ("-$5.00" when negative), the symbol from
 * the configured currency. `value` is an exact decimal string (or a number for chart axes).
 */
export function formatMoney(value: string | number, symbol: string = currencySymbol): string {
  const text = typeof value === 'number' ? value.toFixed(2) : value;
  if (!decimal.test(text.trim())) return text;
  const amount = formatAmount(text);
  return amount.startsWith('-') ? `-${symbol}${amount.slice(1)}` : `${symbol}${amount}`;
}

/** Short money for chart axes and tight cards: "$1.2M", "$45K", "$900". */
export function formatMoneyShort(value: number, symbol: string = currencySymbol): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  const [divisor, suffix] = abs >= 1e9 ? [1e9, 'B'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'K'] : [1, ''];
  const scaled = abs / divisor;
  const digits = suffix && scaled < 10 ? 1 : 0;
  return `${sign}${symbol}${scaled.toFixed(digits).replace(/\.0$/, '')}${suffix}`;
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
