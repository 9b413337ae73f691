/** How notification texts show money, ranks and time (the same on the web and on Telegram). */

/** "1234567.5" → "$1,234,567.50". Exact: works on the decimal string, never a float. */
export function money(value: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return value;
  const [, sign = '', whole = '0', fraction = ''] = m;
  return `${sign}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0').slice(0, 2)}`;
}

/** 1234 → "#1,234". */
export function place(rank: number): string {
  return `#${rank.toLocaleString('en-US')}`;
}

/** "2d 3h", "4h 5m", "12m", "less than a minute"; null once `until` has passed. */
export function timeLeft(until: Date, now: Date): string | null {
  const ms = until.getTime() - now.getTime();
  if (ms <= 0) return null;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  return `${minutes}m`;
}
