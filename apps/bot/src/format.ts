/**
 * Every reply the bot sends, as small pure functions of the API's outputs (unit-tested in
 * test/format.test.ts). Replies are plain text: player names are shown verbatim, so there
 * is nothing to escape and no parse mode to get wrong.
 */
import type { Period, RouterOutputs } from '@goated/api';

export type LeaderboardPage = RouterOutputs['leaderboard']['top'];
export type Race = RouterOutputs['races']['list']['races'][number];
export type RaceStandings = RouterOutputs['races']['standings'];

export const DEFAULT_PERIOD: Period = 'month';

/** The bot's commands, in menu order (also sent to Telegram with setMyCommands). */
export const commandList = [
  { command: 'leaderboard', description: 'Top 10 wagerers: /leaderboard [today|week|month|all]' },
  { command: 'race', description: 'Standings of the live race and the time left' },
  { command: 'help', description: 'What this bot can do' },
] as const;

const periodText = {
  today: { title: 'Today', empty: 'Nobody has wagered today yet.' },
  week: { title: 'This week', empty: 'Nobody has wagered this week yet.' },
  month: { title: 'This month', empty: 'Nobody has wagered this month yet.' },
  all: { title: 'All time', empty: 'Nobody has wagered yet.' },
} satisfies Record<Period, { title: string; empty: string }>;

const periodAliases: Record<string, Period> = {
  today: 'today',
  day: 'today',
  daily: 'today',
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
  all: 'all',
  alltime: 'all',
  'all-time': 'all',
  ever: 'all',
};

export type ParsedPeriod = { ok: true; period: Period } | { ok: false; message: string };

const periodUsage = 'Usage: /leaderboard [today|week|month|all], e.g. /leaderboard week';

/** The argument of `/leaderboard`: empty means this month; a few spellings are accepted. */
export function parsePeriodArg(arg: string): ParsedPeriod {
  const words = arg.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, period: DEFAULT_PERIOD };
  const [word] = words;
  if (words.length > 1 || word === undefined) {
    return { ok: false, message: `/leaderboard takes one period, not "${arg.trim()}".\n${periodUsage}` };
  }
  const period = periodAliases[word.toLowerCase()];
  if (!period) return { ok: false, message: `I don't know the period "${word}".\n${periodUsage}` };
  return { ok: true, period };
}

/** "1234567.5" → "$1,234,567.50". Exact: works on the decimal string, never a float. */
export function formatAmount(value: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return value;
  const [, sign = '', whole = '0', fraction = ''] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${grouped}.${fraction.padEnd(2, '0')}`;
}

const MAX_NAME = 32;

function displayName(name: string): string {
  const trimmed = name.trim() || 'Anonymous';
  return trimmed.length > MAX_NAME ? `${trimmed.slice(0, MAX_NAME - 1)}…` : trimmed;
}

const medals = ['🥇', '🥈', '🥉'];

function rankLabel(rank: number): string {
  const medal = medals[rank - 1];
  return medal ? `${medal} ${rank}.` : `${rank}.`;
}

export function formatLeaderboard(page: LeaderboardPage): string {
  const text = periodText[page.period];
  if (page.entries.length === 0) return `🏆 Leaderboard · ${text.title}\n\n${text.empty}`;
  const lines = page.entries.map((e) => `${rankLabel(e.rank)} ${displayName(e.name)} — ${formatAmount(e.wagered)}`);
  return `🏆 Top ${page.entries.length} · ${text.title}\n\n${lines.join('\n')}`;
}

/** "2d 3h", "4h 5m", "12m", "less than a minute"; null once `until` has passed. */
export function formatDuration(until: Date, now: Date): string | null {
  const ms = until.getTime() - now.getTime();
  if (ms <= 0) return null;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return `${mins}m`;
}

export function formatTimeLeft(endsAt: Date, now: Date): string {
  const left = formatDuration(endsAt, now);
  return left ? `⏳ ${left} left` : '⏳ Ended, final results coming soon';
}

function isPositive(amount: string): boolean {
  return Number(amount) > 0;
}

/** A live race with its standings; `otherLive` are further races live at the same time. */
export function formatRace(race: Race, standings: RaceStandings, now: Date, otherLive: Race[] = []): string {
  const head = [`🏁 ${race.name}`];
  head.push(standings.final ? '✅ Final results' : formatTimeLeft(race.endsAt, now));
  if (isPositive(race.prizePool)) head.push(`💰 Prize pool ${formatAmount(race.prizePool)}`);

  const lines = standings.standings.map((s) => {
    const prize = isPositive(s.prize) ? ` · ${standings.final ? 'won' : 'wins'} ${formatAmount(s.prize)}` : '';
    return `${rankLabel(s.rank)} ${displayName(s.name)} — ${formatAmount(s.wagered)}${prize}`;
  });
  const body = lines.length > 0 ? lines.join('\n') : 'No wagers yet: the top spot is up for grabs!';

  const parts = [head.join('\n'), body];
  if (otherLive.length > 0) parts.push(`Also live: ${otherLive.map((r) => r.name).join(', ')}`);
  return parts.join('\n\n');
}

/** No race is live; `next` is the upcoming race that starts soonest, if any. */
export function formatNoLiveRace(next: Race | undefined, now: Date): string {
  if (!next) return 'No race is live right now, and none is scheduled yet. Check back soon!';
  const startsIn = formatDuration(next.startsAt, now);
  return `No race is live right now.\nNext up: ${next.name}, ${startsIn ? `starting in ${startsIn}` : 'starting any moment'}.`;
}

export function helpText(): string {
  const lines = commandList.map((c) => `/${c.command} — ${c.description}`);
  return `Here is what I can do:\n\n${lines.join('\n')}`;
}

export function startText(firstName?: string): string {
  const hello = firstName ? `Hi ${firstName}! 👋` : 'Hi! 👋';
  return `${hello} I post the GoatedVIPs wager leaderboards and live races.\n\n${helpText()}`;
}

export function unknownCommandText(command: string): string {
  return `I don't know ${command}. ${helpText()}`;
}

export const notACommandText = 'I only answer commands. Try /leaderboard or /race, or /help for the full list.';

export const raceUsageText = '/race takes no arguments: it shows the race that is live right now.';

/** What users see when the API fails; the details go to the log only. */
export function apiErrorText(what: string): string {
  return `Sorry, I couldn't load ${what} right now. Please try again in a minute.`;
}
