/** What the bot tells linked users on its own: race positions, race results, and its heartbeat. */
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { fullHealth } from '@goated/testing';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE, DAY_MS, SAM, type ServerScenario, today } from '../support/server-scenario';

export function notificationCases(s: ServerScenario): void {
  const { account } = s;

  describe('notifications', () => {
    beforeAll(async () => {
      // The subscriptions opened when the bot started; wait until the server confirmed them.
      await s.telegram.waitFor(() => s.listening.has('user notifications') && s.listening.has('player claims'));
    });

    function record(uid: string, name: string, today: number) {
      const amount = today.toFixed(2);
      return { uid, name, wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount } };
    }

    it('tells a linked user whose rank in a live race moved by the threshold after an ingest, as they chose', async () => {
      // Live Sprint (from the /race test): Ben 30, Cat 20, Ann 10. The server places them first.
      await s.t.server.deps.bus.publish('race.changed', { raceId: 0, status: 'live', at: new Date().toISOString() });
      await expect
        .poll(async () => (await s.t.db.db.select().from(schema.racePositions)).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(3);
      const { key } = await s.adminClient.api.admin.apiKeys.create.mutate({ name: 'ingest', scopes: ['ingest'] });
      const ingest = createClient({ url: s.t.url, token: key });
      try {
        // Carol keeps race-position notices off Telegram (on the dashboard only).
        await account('carol').client.api.notifications.setPreferences.mutate({
          preferences: [{ kind: 'racePosition', telegram: false }],
        });
        const samBefore = s.telegram.textsTo(SAM.id).length;

        // Ann jumps from #3 to #1 (two places: told); Ben and Cat slip one place (not).
        await ingest.api.sync.ingest.mutate({ records: [record('p-ann', 'Ann', 110)] });
        await s.telegram.waitFor(() => s.telegram.textsTo(ALICE.id).some((text) => text.includes('in Live Sprint')));
        expect(s.telegram.textsTo(ALICE.id).at(-1)).toMatch(
          /^📈 You moved up to #1 in Live Sprint\n\nFrom #3 to #1\. #1 pays \$100\.00\. \dd \d+h left\.$/,
        );

        // Two newcomers push Cat from #2 (where Carol was last placed) to #5: she is told on the
        // dashboard, not on Telegram.
        await ingest.api.sync.ingest.mutate({
          records: [record('p-x1', 'Newcomer', 500), record('p-x2', 'Rookie', 400)],
        });
        await expect
          .poll(
            async () =>
              (await account('carol').client.api.notifications.list.query({})).notifications.find(
                (n) => n.type === 'race.position',
              )?.title,
            { timeout: 10_000 },
          )
          .toBe('You dropped to #5 in Live Sprint');
        // Anything sent to Sam after it arrives after it: the notice would have come first.
        await s.t.server.deps.bus.publish('user.notification', {
          userId: account('carol').id,
          kind: 'account',
          title: 'Marker',
          body: '',
          at: new Date().toISOString(),
        });
        await s.telegram.waitFor(() => s.telegram.textsTo(SAM.id).includes('🔐 Marker'));
        expect(s.telegram.textsTo(SAM.id).slice(samBefore)).toEqual(['🔐 Marker']);
      } finally {
        await ingest.close();
      }
    });

    it('tells each linked winner their result when a race is finalized', async () => {
      const [race] = await s.t.db.db
        .insert(schema.races)
        .values({
          name: 'Weekly Sprint',
          startsAt: new Date(today.getTime() - DAY_MS),
          endsAt: new Date(Date.now() - 1000),
          prizePool: '175.00',
          prizeSplit: ['100.00', '50.00', '25.00'],
          status: 'live',
        })
        .returning();
      // The scheduler finalizes it within a tick; an admin asking afterwards gets the same results.
      await expect
        .poll(async () => (await s.adminClient.api.races.get.query({ raceId: race?.id ?? 0 })).status, {
          timeout: 10_000,
        })
        .toBe('completed');
      const again = await s.adminClient.api.races.finalize.mutate({ raceId: race?.id ?? 0 });
      expect(again.finalizedNow).toBe(false);
      // Newcomer 500, Rookie 400 (no accounts), Ann 110 (#3, paid), Ben 30, Cat 20: Alice is told.
      await s.telegram.waitFor(() => s.telegram.textsTo(ALICE.id).some((text) => text.includes('Weekly Sprint')));
      expect(s.telegram.textsTo(ALICE.id).filter((text) => text.includes('Weekly Sprint'))).toEqual([
        '🏁 Weekly Sprint is over: you finished #3 🥉\n\nYou won $25.00! You wagered $110.00 as Ann.',
      ]);
      // Cat (Carol, on Sam's Telegram) finished outside the paid places: nothing to tell.
      expect(s.telegram.textsTo(SAM.id).some((text) => text.includes('Weekly Sprint'))).toBe(false);
    });

    /** The admin's view of health (the bot's connection is not for anonymous callers). */
    const adminHealth = async () => fullHealth(await s.adminClient.api.health.status.query());

    it('shows the server that the bot is connected', async () => {
      await s.t.db.db
        .update(schema.apiKeys)
        .set({ lastUsedAt: new Date(Date.now() - 10 * 60_000) })
        .where(eq(schema.apiKeys.name, 'telegram bot'));
      expect((await adminHealth()).bot.connected).toBe(false);
      expect(await s.notifications.heartbeat()).toBe(true);
      const health = await adminHealth();
      expect(health.bot.connected).toBe(true);
      expect(health.bot.lastSeenAt).toBeInstanceOf(Date);
    });
  });
}
