/**
 * The bot's words about a user's own standing and player claims: `/stats`, the "you" line of
 * `/race`, `/claim`, and the review messages linked admins get with their buttons. Pure
 * functions of the API's outputs, plain text (unit-tested in test/format-account.test.ts).
 */
import type { RouterOutputs } from '@goated/api';
import { formatAmount, formatDuration, formatUtc } from './format';

export type TelegramStanding = NonNullable<RouterOutputs['telegram']['standing']>;
type Standing = NonNullable<TelegramStanding['standing']>;
export type LiveRaceStanding = Standing['races'][number];
export type ClaimView = RouterOutputs['telegram']['claimPlayer'];
export type ClaimForReview = RouterOutputs['telegram']['claimForReview'];

const periods = [
  ['today', 'Today'],
  ['week', 'This week'],
  ['month', 'This month'],
  ['all', 'All time'],
] as const;

function place(rank: number): string {
  return `#${rank.toLocaleString('en-US')}`;
}

/** "$20.01 more reaches #2 ($50.00)", or how to get on the board at all. */
function nextPlaceText(race: LiveRaceStanding): string | null {
  if (!race.next) return null;
  const prize = race.next.prize !== '0.00' ? ` (${formatAmount(race.next.prize)})` : '';
  return `${formatAmount(race.next.gap)} more reaches ${place(race.next.rank)}${prize}`;
}

/** One live race as the user stands in it. */
export function raceStandingText(race: LiveRaceStanding): string {
  if (race.rank === null) {
    const next = nextPlaceText(race);
    return `not ranked yet${next ? ` — ${next}` : ''}`;
  }
  const pays = race.prize !== '0.00' ? ` · pays ${formatAmount(race.prize)}` : '';
  const next = nextPlaceText(race);
  return `${place(race.rank)} · ${formatAmount(race.wagered)} wagered${pays}${next ? `\n   ${next}` : ''}`;
}

export const claimHintText =
  'Send /claim followed by your casino username (e.g. /claim LuckyGoat) to link your casino player; an admin confirms it.';

/** `/stats`: the linked account's wagers and ranks per period, and its places in live races. */
export function standingText(user: TelegramStanding): string {
  const standing = user.standing;
  if (!standing) {
    return `Your account ${user.username} is linked, but no casino player is attached to it yet, so there are no wagers to show.\n\n${claimHintText}`;
  }
  const { tier, tierProgress } = standing;
  const toNext =
    tierProgress.next && tierProgress.remaining
      ? ` · ${formatAmount(tierProgress.remaining)} to ${tierProgress.next.name}`
      : '';
  const lines = [`📊 ${user.username} · player ${standing.name}`, `💎 ${tier.name} VIP${toNext}`, ''];
  for (const [period, title] of periods) {
    const { wagered, rank } = standing.periods[period];
    lines.push(`${title}: ${rank === null ? 'no wagers yet' : `${formatAmount(wagered)} · rank ${place(rank)}`}`);
  }
  for (const race of standing.races) lines.push('', `🏁 ${race.name}: ${raceStandingText(race)}`);
  return lines.join('\n');
}

/** The "you" line under `/race`'s standings. */
export function youInRaceText(race: LiveRaceStanding): string {
  return `👤 You: ${raceStandingText(race)}`;
}

// ---- /claim ----

export const claimUsageText = `Usage: /claim NAME, with your casino username exactly as the casino shows it, e.g. /claim LuckyGoat.`;

export const claimPrivateOnlyText = 'Please send /claim to me in a private chat.';

export function claimFiledText(claim: ClaimView): string {
  return `📨 Claim sent: you claimed the casino player ${claim.player.name}. An admin will review it, and I'll tell you the answer here.`;
}

/** Why a claim was refused, from the server's error (its message names the problem). */
export function claimRefusedText(code: string | undefined, message: string, name: string): string {
  if (code === 'NOT_FOUND') {
    return `No casino player is called "${name}". Type it exactly as the casino shows it; new players appear after their first wager.`;
  }
  if (code === 'CONFLICT') return `I can't file that claim: ${message}`;
  if (code === 'FORBIDDEN') return 'This account is banned.';
  if (code === 'BAD_REQUEST') return `I can't file that claim: ${message.replace(/^name: /, 'the name ')}.`;
  return message;
}

// ---- reviews by linked admins ----

/** What a linked admin reads under the Approve / Reject buttons. */
export function claimReviewText(claim: ClaimForReview, now: Date): string {
  const age = formatDuration(now, claim.user.createdAt);
  const telegram = claim.user.telegram.linked
    ? `Telegram ${claim.user.telegram.username ? `@${claim.user.telegram.username}` : 'linked'}`
    : 'no Telegram';
  const how = claim.method === 'uid' ? `by player id` : `by name "${claim.claimedAs}"`;
  const lines = [
    `🪪 Player claim #${claim.id}`,
    '',
    `${claim.user.username} claims the casino player ${claim.player.name} (${claim.player.uid}) ${how}.`,
    `Account: joined ${formatUtc(claim.user.createdAt)}${age ? ` (${age} ago)` : ''} · ${telegram}${claim.user.banned ? ' · ⛔ banned' : ''}`,
  ];
  if (claim.figures) {
    const { month, all } = claim.figures.periods;
    const figure = (p: { wagered: string; rank: number | null }) =>
      `${formatAmount(p.wagered)}${p.rank === null ? '' : ` (${place(p.rank)})`}`;
    lines.push(`Player: this month ${figure(month)} · all time ${figure(all)}`);
  }
  if (claim.linkedTo) lines.push(`⚠️ Already linked to ${claim.linkedTo.username}.`);
  if (claim.otherClaims.length > 0) {
    lines.push(
      `Other claims on this player: ${claim.otherClaims.map((c) => `${c.username} (${c.status})`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

export const reviewButtons = (claimId: number) => ({
  inline_keyboard: [
    [
      { text: '✅ Approve', callback_data: `claim:approve:${claimId}` },
      { text: '❌ Reject', callback_data: `claim:reject:${claimId}` },
    ],
  ],
});

/** The review message once decided: the buttons go, the outcome stays. */
export function reviewedText(original: string, outcome: string): string {
  return `${original}\n\n${outcome}`;
}

export function approvedByText(claim: ClaimView, admin: string): string {
  return `✅ Approved by ${admin}: ${claim.player.name} is now linked.`;
}

export function rejectedByText(admin: string, reason: string): string {
  return `❌ Rejected by ${admin}: ${reason}`;
}

/** The prompt a rejecting admin answers; the claim id is read back from it. */
export function rejectPromptText(claim: ClaimForReview): string {
  return `✏️ Why reject claim #${claim.id} (${claim.user.username} → ${claim.player.name})? Reply to this message with the reason; ${claim.user.username} will read it.`;
}

/** The claim id a reply to the rejection prompt is about, or null for any other message. */
export function rejectPromptClaimId(promptText: string | undefined): number | null {
  const match = /^✏️ Why reject claim #(\d+) /.exec(promptText ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

export const reviewForbiddenText = 'Only a linked admin can review claims.';
export const staleButtonText = 'That button no longer does anything.';

export const bannedText = 'This account is banned.';
