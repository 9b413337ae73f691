import { describe, expect, it } from 'vitest';
import {
  broadcastDoneText,
  broadcastRefusedText,
  broadcastStartedText,
  formatAmount,
  formatDuration,
  formatLeaderboard,
  formatNoLiveRace,
  formatRace,
  formatTimeLeft,
  helpText,
  type LeaderboardPage,
  parsePeriodArg,
  type Race,
  type RaceStandings,
  unknownCommandText,
  verifiedText,
} from '../src/format';

const now = new Date('2025-06-10T12:00:00Z');

function race(overrides: Partial<Race> = {}): Race {
  return {
    id: 7,
    name: 'June Wager Race',
    description: '',
    startsAt: new Date('2025-06-01T00:00:00Z'),
    endsAt: new Date('2025-06-12T15:30:00Z'),
    prizePool: '5000.00',
    prizes: [
      { rank: 1, prize: '3000.00' },
      { rank: 2, prize: '2000.00' },
    ],
    status: 'live',
    finalizedAt: null,
    minWager: '0.00',
    templateId: null,
    participants: null,
    winners: [],
    ...overrides,
  };
}

function standings(overrides: Partial<RaceStandings> = {}): RaceStandings {
  return {
    raceId: 7,
    status: 'live',
    startsAt: new Date('2025-06-05T15:30:00Z'),
    endsAt: new Date('2025-06-12T15:30:00Z'),
    final: false,
    standings: [
      { rank: 1, uid: 'a', name: 'Alice', wagered: '123456.7', prize: '3000.00', tier: copper },
      { rank: 2, uid: 'b', name: 'Bob', wagered: '99000.00', prize: '2000.00', tier: copper },
      { rank: 3, uid: 'c', name: 'Carol', wagered: '15.5', prize: '0.00', tier: copper },
    ],
    generatedAt: now,
    ...overrides,
  };
}

const copper = { rank: 1, name: 'Copper', colour: '#c46a3c' };

describe('parsePeriodArg', () => {
  it('defaults to this month without an argument', () => {
    expect(parsePeriodArg('')).toEqual({ ok: true, period: 'month' });
    expect(parsePeriodArg('   ')).toEqual({ ok: true, period: 'month' });
  });

  it('accepts each period, any case, and common spellings', () => {
    expect(parsePeriodArg('today')).toEqual({ ok: true, period: 'today' });
    expect(parsePeriodArg(' WEEK ')).toEqual({ ok: true, period: 'week' });
    expect(parsePeriodArg('Month')).toEqual({ ok: true, period: 'month' });
    expect(parsePeriodArg('all')).toEqual({ ok: true, period: 'all' });
    expect(parsePeriodArg('all-time')).toEqual({ ok: true, period: 'all' });
    expect(parsePeriodArg('daily')).toEqual({ ok: true, period: 'today' });
  });

  it('explains an unknown period with the usage', () => {
    const parsed = parsePeriodArg('year');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toContain('"year"');
      expect(parsed.message).toContain('/leaderboard [today|week|month|all]');
    }
  });

  it('rejects more than one word', () => {
    const parsed = parsePeriodArg('week month');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('one period');
  });
});

describe('formatAmount', () => {
  it('groups thousands and shows cents, exactly', () => {
    expect(formatAmount('1234567.5')).toBe('$1,234,567.50');
    expect(formatAmount('999')).toBe('$999.00');
    expect(formatAmount('0.00')).toBe('$0.00');
    expect(formatAmount('12345678901234567890.12')).toBe('$12,345,678,901,234,567,890.12');
  });

  it('leaves anything that is not a decimal alone', () => {
    expect(formatAmount('n/a')).toBe('n/a');
  });
});

describe('formatLeaderboard', () => {
  const page: LeaderboardPage = {
    period: 'week',
    entries: [
      { rank: 1, uid: 'a', name: 'Alice', wagered: '5000.00', tier: copper },
      { rank: 2, uid: 'b', name: 'Bob', wagered: '4000.5', tier: copper },
      { rank: 3, uid: 'c', name: 'Carol', wagered: '300.00', tier: copper },
      { rank: 4, uid: 'd', name: 'Dave', wagered: '20.00', tier: copper },
    ],
    nextCursor: 'opaque-cursor',
    generatedAt: now,
  };

  it('lists rank, medal, name and wager under the period title', () => {
    expect(formatLeaderboard(page)).toBe(
      [
        '🏆 Top 4 · This week',
        '',
        '🥇 1. Alice — $5,000.00',
        '🥈 2. Bob — $4,000.50',
        '🥉 3. Carol — $300.00',
        '4. Dave — $20.00',
      ].join('\n'),
    );
  });

  it('says so when nobody has wagered in the period', () => {
    expect(formatLeaderboard({ ...page, period: 'today', entries: [] })).toBe(
      '🏆 Leaderboard · Today\n\nNobody has wagered today yet.',
    );
  });

  it('shortens very long names', () => {
    const text = formatLeaderboard({
      ...page,
      entries: [{ rank: 1, uid: 'x', name: 'x'.repeat(100), wagered: '1', tier: copper }],
    });
    expect(text).toContain(`${'x'.repeat(31)}…`);
    expect(text).not.toContain('x'.repeat(32));
  });
});

describe('formatDuration / formatTimeLeft', () => {
  const at = (ms: number) => new Date(now.getTime() + ms);

  it('shows days and hours, hours and minutes, or minutes', () => {
    expect(formatDuration(at((2 * 24 + 3) * 3_600_000 + 59 * 60_000), now)).toBe('2d 3h');
    expect(formatDuration(at(4 * 3_600_000 + 5 * 60_000 + 30_000), now)).toBe('4h 5m');
    expect(formatDuration(at(12 * 60_000), now)).toBe('12m');
    expect(formatDuration(at(59_000), now)).toBe('less than a minute');
    expect(formatDuration(at(0), now)).toBeNull();
  });

  it('phrases the time left, and an end that has passed', () => {
    expect(formatTimeLeft(at(90 * 60_000), now)).toBe('⏳ 1h 30m left');
    expect(formatTimeLeft(at(-1), now)).toBe('⏳ Ended, final results coming soon');
  });
});

describe('formatRace', () => {
  it('shows the race, the time left, the pool and the standings with prizes', () => {
    expect(formatRace(race(), standings(), now)).toBe(
      [
        '🏁 June Wager Race',
        '⏳ 2d 3h left',
        '💰 Prize pool $5,000.00',
        '',
        '🥇 1. Alice — $123,456.70 · wins $3,000.00',
        '🥈 2. Bob — $99,000.00 · wins $2,000.00',
        '🥉 3. Carol — $15.50',
      ].join('\n'),
    );
  });

  it('invites wagers when the standings are empty and names other live races', () => {
    const text = formatRace(race(), standings({ standings: [] }), now, [race({ id: 8, name: 'Slots Sprint' })]);
    expect(text).toContain('No wagers yet');
    expect(text).toContain('Also live: Slots Sprint');
  });

  it('marks final results', () => {
    const text = formatRace(race({ status: 'completed' }), standings({ status: 'completed', final: true }), now);
    expect(text).toContain('✅ Final results');
    expect(text).toContain('won $3,000.00');
    expect(text).not.toContain('left');
  });

  it('says results are coming once the end has passed', () => {
    const text = formatRace(race({ endsAt: new Date(now.getTime() - 1000) }), standings(), now);
    expect(text).toContain('Ended, final results coming soon');
  });
});

describe('formatNoLiveRace', () => {
  it('mentions the next race and when it starts', () => {
    const next = race({ status: 'upcoming', name: 'July Race', startsAt: new Date('2025-06-11T14:00:00Z') });
    expect(formatNoLiveRace(next, now)).toBe('No race is live right now.\nNext up: July Race, starting in 1d 2h.');
  });

  it('says none is scheduled', () => {
    expect(formatNoLiveRace(undefined, now)).toContain('none is scheduled');
  });
});

describe('help texts', () => {
  it('lists every command', () => {
    for (const command of [
      '/stats',
      '/leaderboard',
      '/race',
      '/claim',
      '/verify',
      '/reset',
      '/help',
      '/broadcast',
      '/user',
    ]) {
      expect(helpText()).toContain(command);
    }
  });

  it('names the unknown command', () => {
    expect(unknownCommandText('/foo')).toMatch(/^I don't know \/foo\./);
  });
});

describe('account and notification texts', () => {
  it('mentions a link moved from another account', () => {
    expect(
      verifiedText({ username: 'goat', role: 'user', movedFromAnotherAccount: true, confirmationCode: 'AB12CD' }),
    ).toContain('It was linked to another GoatedVIPs account before');
  });

  it('summarises a broadcast', () => {
    expect(broadcastStartedText(1)).toBe("📣 Sending to 1 linked user… I'll tell you when it's done.");
    expect(broadcastStartedText(0)).toContain('nobody to send to');
    expect(broadcastDoneText({ delivered: 5, failed: 0 })).toBe('📣 Broadcast done: delivered to 5 of 5.');
  });

  it('gives the server’s reason for a refused broadcast as one sentence, whether or not it ends in a period', () => {
    const said = "I can't broadcast that: Text must be at most 3500 characters.";
    expect(broadcastRefusedText('Text must be at most 3500 characters.')).toBe(said);
    expect(broadcastRefusedText('Text must be at most 3500 characters')).toBe(said);
  });
});
