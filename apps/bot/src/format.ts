/**
 * Every reply the bot sends, as small pure functions of the API's outputs (unit-tested in
 * test/format.test.ts). Replies are plain text: player names are shown verbatim, so there
 * is nothing to escape and no parse mode to get wrong.
 */
import type { RouterInputs, RouterOutputs } from '@goated/client';

export type Period = RouterInputs['leaderboard']['top']['period'];
export type LeaderboardPage = RouterOutputs['leaderboard']['top'];
export type Race = RouterOutputs['races']['list']['races'][number];
export type RaceStandings = RouterOutputs['races']['standings'];
export type LinkedUser = NonNullable<RouterOutputs['telegram']['userByTelegramId']>;
export type VerifiedLink = RouterOutputs['telegram']['verify'];
export type UserLookup = RouterOutputs['telegram']['lookupUser'];
export type ResetToken = RouterOutputs['telegram']['issueResetToken'];
export type LiveRacePositions = RouterOutputs['telegram']['livePositions'][number];
type PlayerProfile = NonNullable<LinkedUser['player']>;

export const DEFAULT_PERIOD: Period = 'month';

/** The bot's commands, in menu order (also sent to Telegram with setMyCommands). */
export const commandList = [
  { command: 'stats', description: 'Your wagers, ranks and race places (link your account first)' },
  { command: 'leaderboard', description: 'Top 10 wagerers: /leaderboard [today|week|month|all]' },
  { command: 'race', description: 'Standings of the live race, the time left and your place' },
  { command: 'claim', description: 'Link your casino player: /claim YOUR_CASINO_NAME' },
  { command: 'verify', description: 'Link your GoatedVIPs account: /verify CODE' },
  { command: 'reset', description: 'A password-reset token (private chat only)' },
  { command: 'help', description: 'What this bot can do' },
] as const;

/** For linked admins only; listed in /help, kept out of the menu. */
export const adminCommandList = [
  { command: 'broadcast', description: 'Message every linked user: /broadcast TEXT' },
  { command: 'user', description: 'Look a user up: /user NAME' },
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

/**
 * A player's name for a message: invisible formatting characters (a U+202E override would make
 * the rest of the line read backwards) removed, cut to a length that keeps lines readable.
 */
export function displayName(name: string): string {
  const trimmed = name.replace(/\p{Cf}/gu, '').trim() || 'Anonymous';
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
  const admin = adminCommandList.map((c) => `/${c.command} — ${c.description}`);
  return `Here is what I can do:\n\n${lines.join('\n')}\n\nFor admins (private chat):\n${admin.join('\n')}`;
}

export function startText(firstName?: string): string {
  const hello = firstName ? `Hi ${firstName}! 👋` : 'Hi! 👋';
  return `${hello} I post the GoatedVIPs wager leaderboards and live races, and tell you when you win or move in a race once your account is linked.\n\n${helpText()}`;
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

/** "2026-11-21 14:05 UTC". */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---- /verify ----

export const verifyUsageText =
  'Usage: /verify CODE\nCreate the code on the dashboard (Profile → Telegram), then send it here within 10 minutes.';

export const verifyPrivateOnlyText = 'Please send /verify to me in a private chat, so nobody else sees your code.';

export const verifyThrottledText = 'Too many attempts. Please wait a few minutes before trying another code.';

export function verifiedText(link: VerifiedLink): string {
  const moved = link.movedFromAnotherAccount
    ? '\nIt was linked to another GoatedVIPs account before; that link is now removed.'
    : '';
  return [
    `✅ Linked! This Telegram account is now connected to ${link.username}.${moved}`,
    '',
    `To confirm it's you, enter this code on the dashboard (Profile → Telegram): ${link.confirmationCode}`,
    'Until then, /reset will not work here.',
    '',
    'Try /stats for your wagers and ranks.',
  ].join('\n');
}

/** Why a code was refused, by the server's error code (see `telegram.verify`). */
export const verifyErrorText: Record<string, string> = {
  NOT_FOUND: "I don't know that code. Check it, or create a new one on the dashboard.",
  CONFLICT: 'That code was already used. Create a new one on the dashboard if you want to link again.',
  PRECONDITION_FAILED:
    'That code has expired (codes last 10 minutes, and only the newest one works). Create a new one on the dashboard.',
  BAD_REQUEST: "That doesn't look like a link code: a code is 8 letters and digits, like /verify AB3D5FGH.",
  FORBIDDEN: 'That account is banned, so it cannot be linked.',
};

/** A repeated /verify (e.g. the same message delivered twice) for a link that exists. */
export function alreadyLinkedText(username: string): string {
  return `That code was already used, and this Telegram account is linked to ${username}: you're all set. Try /stats.`;
}

// ---- /stats ----

export const notLinkedText =
  "Your Telegram account isn't linked yet. Create a code on the dashboard (Profile → Telegram) and send /verify CODE here.";

export const statsUsageText = '/stats takes no arguments: it shows your own wagers and ranks.';

const periodOrder = ['today', 'week', 'month', 'all'] as const;

function periodLines(player: PlayerProfile): string[] {
  return periodOrder.map((period) => {
    const { wagered, rank } = player.periods[period];
    const standing = rank === null ? 'no wagers yet' : `${formatAmount(wagered)} · rank #${rank}`;
    return `${periodText[period].title}: ${standing}`;
  });
}

type Freshness = RouterOutputs['health']['status']['freshness'];

/** "3 h 5 min", "12 min", "40 s": how old the figures are, to the unit that matters. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} days`;
}

/** A line under figures that may be behind because the casino's feed has been failing. */
export function staleNoteText(freshness: Freshness): string | null {
  if (!freshness.stale) return null;
  if (freshness.ageSeconds === null) return "⚠️ The casino's feed has not delivered any data yet.";
  return `⚠️ These figures are from ${formatAge(freshness.ageSeconds)} ago: the casino's feed is not answering, so they may be behind.`;
}

// ---- /reset ----

export const resetPrivateOnlyText = 'For your safety, /reset works only in a private chat with me.';

export const resetUsageText = '/reset takes no arguments: it gives you a one-time password-reset token.';

export const resetNeedsConfirmationText =
  'First confirm this link on the dashboard (Profile → Telegram) with the code I sent when you linked. If you no longer have it, send a new link code with /verify.';

export const slowDownText = "You're sending commands faster than I can answer. Please wait a minute and try again.";

export function resetTokenText(reset: ResetToken): string {
  return [
    '🔑 Your one-time password-reset token:',
    '',
    reset.token,
    '',
    `Use it on the dashboard's "Reset password" page before ${formatUtc(reset.expiresAt)}. Never share it: anyone with it can set your password.`,
  ].join('\n');
}

// ---- admin commands ----

export const adminPrivateOnlyText = 'Admin commands work only in a private chat with me.';

export function adminOnlyText(command: string): string {
  return `Only admins can use ${command}. If you are one, link your admin account with /verify first.`;
}

export const userUsageText = 'Usage: /user NAME, e.g. /user LuckyGoat';

export function userNotFoundText(name: string): string {
  return `No user is called "${name}".`;
}

export function userLookupText(user: UserLookup): string {
  const lines = [`👤 ${user.username}${user.role === 'admin' ? ' (admin)' : ''}`];
  lines.push(user.banned ? `⛔ Banned${user.bannedAt ? ` since ${formatUtc(user.bannedAt)}` : ''}` : 'Active');
  lines.push(`Joined ${formatUtc(user.createdAt)}`);
  const telegram = user.telegram.username ? `linked (@${user.telegram.username})` : 'linked';
  lines.push(`Telegram: ${user.telegram.linked ? telegram : 'not linked'}`);
  if (user.player) {
    lines.push('', `Player ${displayName(user.player.name)} (${user.player.uid})`, ...periodLines(user.player));
  } else {
    lines.push('No casino player attached.');
  }
  return lines.join('\n');
}

export const broadcastUsageText = 'Usage: /broadcast TEXT\nSends TEXT to every user with a linked Telegram account.';

/** `reason` is the server's message, a sentence of its own ("Text must be at most 3500 characters."). */
export function broadcastRefusedText(reason: string): string {
  return `I can't broadcast that: ${reason.replace(/\.*$/, '')}.`;
}

export function broadcastStartedText(recipients: number): string {
  if (recipients === 0) return 'Nobody has linked a Telegram account yet, so there is nobody to send to.';
  return `📣 Sending to ${recipients} linked ${recipients === 1 ? 'user' : 'users'}… I'll tell you when it's done.`;
}

export function broadcastDoneText(result: { delivered: number; failed: number }): string {
  const total = result.delivered + result.failed;
  const failed = result.failed > 0 ? ` ${result.failed} could not be reached (they may have blocked me).` : '';
  return `📣 Broadcast done: delivered to ${result.delivered} of ${total}.${failed}`;
}

export function announcementText(text: string): string {
  return `📣 Announcement\n\n${text}`;
}

// ---- notifications ----

const kindIcons: Record<string, string> = {
  racePosition: '📈',
  raceResults: '🏁',
  claims: '🪪',
  challenges: '🎯',
  announcements: '📣',
  account: '🔐',
};

/** A notification from the server: its kind's icon, the title, the text. */
export function notificationText(notification: { kind?: string; title: string; body: string }): string {
  const icon = kindIcons[notification.kind ?? ''] ?? '🔔';
  return notification.body ? `${icon} ${notification.title}\n\n${notification.body}` : `${icon} ${notification.title}`;
}
