import { describe, expect, it } from 'vitest';
import { notificationText } from '../src/format';
import {
  type ClaimForReview,
  claimRefusedText,
  claimReviewText,
  type LiveRaceStanding,
  raceStandingText,
  rejectPromptClaimId,
  rejectPromptText,
  reviewButtons,
  standingText,
  type TelegramStanding,
} from '../src/format-account';

const now = new Date('2025-06-10T12:00:00Z');

function race(overrides: Partial<LiveRaceStanding> = {}): LiveRaceStanding {
  return {
    raceId: 3,
    name: 'June Sprint',
    endsAt: new Date('2025-06-12T12:00:00Z'),
    prizePool: '175.00',
    paidPlaces: 3,
    rank: 4,
    wagered: '250',
    prize: '0.00',
    next: { rank: 3, prize: '25.00', gap: '50.01' },
    ...overrides,
  };
}

const standing: TelegramStanding = {
  username: 'goat',
  standing: {
    uid: 'p1',
    name: 'LuckyGoat',
    upstreamUpdatedAt: now,
    periods: {
      today: { wagered: '0.00', rank: null },
      week: { wagered: '1200.5', rank: 12 },
      month: { wagered: '5000.00', rank: 3 },
      all: { wagered: '123456.00', rank: 1_234 },
    },
    races: [race()],
    tier: { rank: 4, name: 'Gold', colour: '#e3b341' },
    tierProgress: {
      next: { name: 'Platinum', threshold: '450000.00', colour: '#7fc8c0' },
      remaining: '326544.00',
      progress: 0.07,
    },
  },
};

describe('/stats', () => {
  it('shows the VIP tier, each period and each live race with the prize and what is left to the next paid place', () => {
    expect(standingText(standing)).toBe(
      [
        '📊 goat · player LuckyGoat',
        '💎 Gold VIP · $326,544.00 to Platinum',
        '',
        'Today: no wagers yet',
        'This week: $1,200.50 · rank #12',
        'This month: $5,000.00 · rank #3',
        'All time: $123,456.00 · rank #1,234',
        '',
        '🏁 June Sprint: #4 · $250.00 wagered',
        '   $50.01 more reaches #3 ($25.00)',
      ].join('\n'),
    );
  });

  it('tells a linked user without a player how to claim one', () => {
    expect(standingText({ username: 'goat', standing: null })).toBe(
      'Your account goat is linked, but no casino player is attached to it yet, so there are no wagers to show.\n\nSend /claim followed by your casino username (e.g. /claim LuckyGoat) to link your casino player; an admin confirms it.',
    );
  });

  it('phrases a paid place, the top, and not being on the board yet', () => {
    expect(raceStandingText(race({ rank: 2, prize: '50.00', next: { rank: 1, prize: '100.00', gap: '0.01' } }))).toBe(
      '#2 · $250.00 wagered · pays $50.00\n   $0.01 more reaches #1 ($100.00)',
    );
    expect(raceStandingText(race({ rank: 1, prize: '100.00', next: null }))).toBe(
      '#1 · $250.00 wagered · pays $100.00',
    );
    expect(
      raceStandingText(race({ rank: null, wagered: '0.00', next: { rank: 2, prize: '50.00', gap: '0.01' } })),
    ).toBe('not ranked yet — $0.01 more reaches #2 ($50.00)');
  });
});

describe('claims', () => {
  const claim: ClaimForReview = {
    id: 12,
    status: 'pending',
    player: { uid: 'u-lucky', name: 'LuckyGoat' },
    method: 'name',
    claimedAs: 'luckygoat',
    reason: null,
    createdAt: now,
    reviewedAt: null,
    reviewedBy: null,
    user: {
      id: 'u1',
      username: 'alice',
      createdAt: new Date('2025-06-07T12:00:00Z'),
      banned: false,
      telegram: { linked: true, username: 'alice_tg' },
    },
    figures: {
      uid: 'u-lucky',
      name: 'LuckyGoat',
      upstreamUpdatedAt: now,
      periods: {
        today: { wagered: '0.00', rank: null },
        week: { wagered: '10.00', rank: 9 },
        month: { wagered: '500.00', rank: 2 },
        all: { wagered: '9000.00', rank: 1 },
      },
    },
    linkedTo: null,
    otherClaims: [{ id: 11, status: 'rejected', username: 'bob', createdAt: now }],
  };

  it("gives the reviewer the player's figures, the account's age and link, and the other claims", () => {
    expect(claimReviewText(claim, now)).toBe(
      [
        '🪪 Player claim #12',
        '',
        'alice claims the casino player LuckyGoat (u-lucky) by name "luckygoat".',
        'Account: joined 2025-06-07 12:00 UTC (3d 0h ago) · Telegram @alice_tg',
        'Player: this month $500.00 (#2) · all time $9,000.00 (#1)',
        'Other claims on this player: bob (rejected)',
      ].join('\n'),
    );
    expect(reviewButtons(12).inline_keyboard[0]?.map((b) => b.callback_data)).toEqual([
      'claim:approve:12',
      'claim:reject:12',
    ]);
  });

  it('reads the claim back from the reply to the rejection prompt', () => {
    expect(rejectPromptClaimId(rejectPromptText(claim))).toBe(12);
    expect(rejectPromptClaimId('something else')).toBeNull();
    expect(rejectPromptClaimId(undefined)).toBeNull();
  });

  it('says why a claim was refused', () => {
    expect(claimRefusedText('NOT_FOUND', 'name: matches no casino player…', 'Lucky')).toBe(
      'No casino player is called "Lucky". Type it exactly as the casino shows it; new players appear after their first wager.',
    );
    expect(claimRefusedText('CONFLICT', '“LuckyGoat” is already linked to another account', 'LuckyGoat')).toBe(
      "I can't file that claim: “LuckyGoat” is already linked to another account",
    );
  });
});

describe('notifications', () => {
  it('shows the kind as an icon', () => {
    expect(notificationText({ kind: 'claims', title: 'Claim approved', body: 'You are linked.' })).toBe(
      '🪪 Claim approved\n\nYou are linked.',
    );
    expect(notificationText({ title: 'Something', body: '' })).toBe('🔔 Something');
  });
});
