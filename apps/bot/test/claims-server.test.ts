/**
 * Player claims in Telegram, against a real server and the fake Telegram: `/claim NAME`, the
 * review message linked admins get with Approve / Reject buttons, a press refused by the server
 * for anyone but a linked admin, and a rejection whose reason the admin gives as a reply.
 */
import { createClient } from '@goated/client';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import type { TestServer } from '@goated/testing/server';
import type { FakeTelegram } from '@goated/testing/telegram';
import type { Update } from 'node-telegram-bot-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoatedBot } from '../src/bot';
import {
  type BotWorld,
  type Client,
  SETUP_TIMEOUT_MS,
  type Sender,
  startBotWorld,
  updateId,
} from './support/bot-world';

const PASSWORD = 'correct horse battery';
const ALICE = { id: 1001, username: 'alice_tg', first_name: 'Alice' };
const ADMIN = { id: 9000, username: 'boss_tg', first_name: 'Boss' };

describe.each(testBackends())('player claims in Telegram, with a real server on %s', (kind) => {
  let world: BotWorld;
  let telegram: FakeTelegram;
  let goated: GoatedBot;
  let t: TestServer;
  const say = (from: Sender, text: string) => world.say(from, text);

  const DAVE = { id: 1003, username: 'dave_tg', first_name: 'Dave' };
  const ERIN = { id: 1004, first_name: 'Erin' };
  let callbackId = 0;

  /** A press of an inline button under `message`, by `from`. */
  function press(from: Sender, data: string, message: { message_id: number; text: string; chatId: number }) {
    const update: Update = {
      update_id: updateId(),
      callback_query: {
        id: `cb-${++callbackId}`,
        from: { ...from, is_bot: false },
        chat_instance: 'test',
        data,
        message: {
          message_id: message.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: message.chatId, type: 'private' },
          text: message.text,
        },
      },
    };
    return goated.bot.handleUpdate(update);
  }

  const answers = () => telegram.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params);

  /** The review message the admin got for a claim, and its buttons. */
  async function reviewFor(player: string) {
    await telegram.waitFor(() =>
      telegram.textsTo(ADMIN.id).some((text) => text.startsWith('🪪 Player claim #') && text.includes(player)),
    );
    const sent = telegram.sent().find((p) => p.chat_id === String(ADMIN.id) && p.text?.includes(player));
    const markup = JSON.parse(sent?.reply_markup ?? '{}') as {
      inline_keyboard: { text: string; callback_data: string }[][];
    };
    return { text: sent?.text ?? '', buttons: markup.inline_keyboard.flat() };
  }

  /** Enters on the dashboard the confirmation code the bot's link reply carries. */
  async function confirmLink(client: Client, replies: string[]) {
    const confirmation = /: ([A-Z0-9]{6})\n/.exec(replies[0] ?? '')?.[1];
    if (!confirmation) throw new Error(`no confirmation code in ${JSON.stringify(replies)}`);
    await client.api.telegram.confirmLink.mutate({ code: confirmation });
  }

  async function linkTelegram(name: 'alice' | 'dave' | 'erin', sender: Sender) {
    const { user, token } = await t.client.api.auth.signUp.mutate({
      username: name,
      password: PASSWORD,
      mode: 'token',
    });
    const client = createClient({ url: t.url, token: token ?? '' });
    const { code } = await client.api.telegram.createLinkCode.mutate();
    await confirmLink(client, await say(sender, `/verify ${code}`));
    return { id: user.id, client };
  }

  beforeAll(async () => {
    world = await startBotWorld(kind);
    ({ telegram, goated, t } = world);
    await t.db.db.insert(schema.players).values(
      [
        { uid: 'p-dan', name: 'Dan' },
        { uid: 'p-eve', name: 'Eve' },
      ].map((p) => ({ ...p, wagerMonth: '75.00', upstreamUpdatedAt: new Date() })),
    );
    // A linked admin reviews; Alice, linked too, is not an admin.
    const { code } = await world.adminClient.api.telegram.createLinkCode.mutate();
    await confirmLink(world.adminClient, await say(ADMIN, `/verify ${code}`));
    const alice = await linkTelegram('alice', ALICE);
    await alice.client.close();
    await telegram.waitFor(() => world.listening.has('player claims') && world.listening.has('user notifications'));
  }, SETUP_TIMEOUT_MS);

  afterAll(() => world?.close());

  it('files a claim with /claim, which a linked admin approves with the inline button', async () => {
    const dave = await linkTelegram('dave', DAVE);
    try {
      expect(await say(DAVE, '/claim')).toEqual([
        'Usage: /claim NAME, with your casino username exactly as the casino shows it, e.g. /claim LuckyGoat.',
      ]);
      expect(await say(DAVE, '/claim Nobody')).toEqual([
        'No casino player is called "Nobody". Type it exactly as the casino shows it; new players appear after their first wager.',
      ]);
      expect(await say(DAVE, '/claim dan')).toEqual([
        "📨 Claim sent: you claimed the casino player Dan. An admin will review it, and I'll tell you the answer here.",
      ]);
      const review = await reviewFor('Dan');
      expect(review.text).toMatch(
        /^🪪 Player claim #\d+\n\ndave claims the casino player Dan \(p-dan\) by name "dan"\.\n/,
      );
      expect(review.text).toContain('Telegram @dave_tg');
      expect(review.text).toContain('Player: this month $75.00 (#');
      const approve = review.buttons.find((b) => b.text === '✅ Approve')?.callback_data ?? '';
      expect(approve).toMatch(/^claim:approve:\d+$/);
      const message = { message_id: 500, text: review.text, chatId: ADMIN.id };

      // Anyone but a linked admin is refused by the server, whatever the button says.
      await press(ALICE, approve, message);
      expect(answers().at(-1)).toMatchObject({ text: 'Only a linked admin can review claims.', show_alert: 'true' });
      expect(await dave.client.api.account.claim.query()).toMatchObject({ status: 'pending' });

      await press(ADMIN, approve, message);
      expect(answers().at(-1)).toMatchObject({ text: 'Approved: Dan is linked.' });
      const edit = telegram.calls.filter((c) => c.method === 'editMessageText').at(-1)?.params;
      expect(edit?.text).toBe(`${review.text}\n\n✅ Approved by @boss_tg: Dan is now linked.`);
      expect(JSON.parse(edit?.reply_markup ?? '{}')).toEqual({ inline_keyboard: [] });
      expect(await dave.client.api.account.claim.query()).toMatchObject({ status: 'approved' });

      // Told on Telegram (and on the dashboard), then /stats shows the player's ranks.
      await telegram.waitFor(() => telegram.textsTo(DAVE.id).some((text) => text.startsWith('🪪 Claim approved')));
      const [stats] = await say(DAVE, '/stats');
      expect(stats).toMatch(
        /^📊 dave · player Dan\n💎 Copper VIP · \$10,000\.00 to Bronze\n\nToday: no wagers yet\nThis week: no wagers yet\nThis month: \$75\.00 · rank #\d+\n/,
      );
      // A second press finds it decided.
      await press(ADMIN, approve, message);
      expect(answers().at(-1)).toMatchObject({ text: 'This claim was already approved', show_alert: 'true' });
    } finally {
      await dave.client.close();
    }
  });

  it('rejects with the reason the admin replies with, which the user reads', async () => {
    const erin = await linkTelegram('erin', ERIN);
    try {
      await say(ERIN, '/claim Eve');
      const review = await reviewFor('Eve');
      const reject = review.buttons.find((b) => b.text === '❌ Reject')?.callback_data ?? '';
      const before = telegram.textsTo(ADMIN.id).length;
      await press(ADMIN, reject, { message_id: 501, text: review.text, chatId: ADMIN.id });
      const [prompt = ''] = telegram.textsTo(ADMIN.id).slice(before);
      expect(prompt).toMatch(
        /^✏️ Why reject claim #\d+ \(erin → Eve\)\? Reply to this message with the reason; erin will read it\.$/,
      );

      // The admin answers the prompt.
      const reply: Update = {
        update_id: updateId(),
        message: {
          message_id: 503,
          date: Math.floor(Date.now() / 1000),
          chat: { id: ADMIN.id, type: 'private' },
          from: { ...ADMIN, is_bot: false },
          text: 'Your casino profile shows a different name.',
          reply_to_message: {
            message_id: 502,
            date: Math.floor(Date.now() / 1000),
            chat: { id: ADMIN.id, type: 'private' },
            text: prompt,
          },
        },
      };
      await goated.bot.handleUpdate(reply);
      expect(telegram.textsTo(ADMIN.id).at(-1)).toMatch(
        /^❌ Rejected by @boss_tg: Your casino profile shows a different name\.\n\(Claim #\d+, Eve\.\)$/,
      );
      expect(await erin.client.api.account.claim.query()).toMatchObject({
        status: 'rejected',
        reason: 'Your casino profile shows a different name.',
      });
      await telegram.waitFor(() =>
        telegram
          .textsTo(ERIN.id)
          .includes(
            '🪪 Claim rejected\n\nYour claim to “Eve” was rejected: Your casino profile shows a different name.',
          ),
      );
    } finally {
      await erin.client.close();
    }
  });
});
