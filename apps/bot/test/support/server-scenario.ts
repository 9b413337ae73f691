/**
 * The real bot against a real server (the kit's startTestServer: Fastify, the router, a fresh
 * database) and a fake Telegram Bot API, set up once per database engine for server.test.ts:
 * three players, the accounts alice, bob and carol claiming them, and the Telegram users who
 * talk to the bot. The cases in server-cases/ run in order on this one world (the links made
 * by /verify are the ones /stats, /reset and the notifications use).
 */
import { createClient } from '@goated/client';
import { type DbKind, schema } from '@goated/db';
import type { TestServer } from '@goated/testing/server';
import type { FakeTelegram } from '@goated/testing/telegram';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { GoatedBot } from '../../src/bot';
import type { Notifications } from '../../src/notifications';
import { type BotWorld, type Chat, type Client, SETUP_TIMEOUT_MS, type Sender, startBotWorld } from './bot-world';

export const PASSWORD = 'correct horse battery';
export const DAY_MS = 86_400_000;
export const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
export const todayString = today.toISOString().slice(0, 10);

/** Telegram users (a private chat's id is the user's id). */
export const ALICE = { id: 1001, username: 'alice_tg', first_name: 'Alice' };
export const BOB = { id: 1002, username: 'bob_tg', first_name: 'Bob' };
/** Sam links Carol's account (in the reused-code test). */
export const SAM = { id: 1099, first_name: 'Sam' };
export const ADMIN = { id: 9000, username: 'boss_tg', first_name: 'Boss' };

export const group = { id: -500, type: 'supergroup' };

type AccountName = 'alice' | 'bob' | 'carol';

export interface ServerScenario {
  readonly world: BotWorld;
  readonly telegram: FakeTelegram;
  readonly t: TestServer;
  readonly botClient: Client;
  readonly goated: GoatedBot;
  readonly notifications: Notifications;
  readonly adminClient: Client;
  /** What the bot logged in this test (cleared before each). */
  readonly logs: string[];
  readonly listening: Set<string>;
  account(name: AccountName): { id: string; client: Client };
  say(from: Sender, text: string, chat?: Chat): Promise<string[]>;
  linkCodeFor(who: AccountName | 'admin'): Promise<string>;
  /** The bot's answer to a good code, with the confirmation code it carries. */
  linkedReply(replies: string[], username: string): string;
  /** What the person does on the dashboard with that code. */
  confirmOnDashboard(who: AccountName | 'admin', code: string): Promise<void>;
}

/** Registers the world's hooks in the calling describe block and returns it, filled in beforeAll. */
export function useServerScenario(kind: DbKind): ServerScenario {
  let started: BotWorld | undefined;
  const world = () => {
    if (!started) throw new Error('the bot world has not started (use it inside a test)');
    return started;
  };
  const accounts = new Map<AccountName, { id: string; client: Client }>();
  const account = (name: AccountName) => {
    const found = accounts.get(name);
    if (!found) throw new Error(`no account ${name}`);
    return found;
  };
  const clientOf = (who: AccountName | 'admin') => (who === 'admin' ? world().adminClient : account(who).client);

  beforeAll(async () => {
    // Position notices from two places' move; the watch refreshes 50 ms after a change.
    started = await startBotWorld(kind, { NOTIFY_POSITION_THRESHOLD: '2', LEADERBOARD_PUSH_INTERVAL_MS: '50' });
    const { t } = started;
    const db = t.db.db;
    await db.insert(schema.players).values(
      [
        { uid: 'p-ann', name: 'Ann', today: '10.00', week: '100.00', month: '500.00', all: '900.00' },
        { uid: 'p-ben', name: 'Ben', today: '30.00', week: '300.00', month: '800.00', all: '800.00' },
        { uid: 'p-cat', name: 'Cat', today: '20.00', week: '50.00', month: '50.00', all: '50.00' },
      ].map((p) => ({
        uid: p.uid,
        name: p.name,
        wagerToday: p.today,
        wagerWeek: p.week,
        wagerMonth: p.month,
        wagerAllTime: p.all,
        upstreamUpdatedAt: new Date(),
      })),
    );
    for (const [name, playerUid] of [
      ['alice', 'p-ann'],
      ['bob', 'p-ben'],
      ['carol', 'p-cat'],
    ] as const) {
      const { user, token } = await t.client.api.auth.signUp.mutate({
        username: name,
        password: PASSWORD,
        mode: 'token',
      });
      await db.update(schema.users).set({ playerUid }).where(eq(schema.users.id, user.id));
      accounts.set(name, { id: user.id, client: createClient({ url: t.url, token: token ?? '' }) });
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const { client } of accounts.values()) await client.close();
    await started?.close();
  });

  beforeEach(() => {
    if (started) started.logs.length = 0;
  });

  return {
    get world() {
      return world();
    },
    get telegram() {
      return world().telegram;
    },
    get t() {
      return world().t;
    },
    get botClient() {
      return world().botClient;
    },
    get goated() {
      return world().goated;
    },
    get notifications() {
      return world().notifications;
    },
    get adminClient() {
      return world().adminClient;
    },
    get logs() {
      return world().logs;
    },
    get listening() {
      return world().listening;
    },
    account,
    say: (from, text, chat) => world().say(from, text, chat),
    linkCodeFor: async (who) => (await clientOf(who).api.telegram.createLinkCode.mutate()).code,
    linkedReply(replies, username) {
      expect(replies).toHaveLength(1);
      const reply = replies[0] ?? '';
      expect(reply).toMatch(
        new RegExp(
          `^✅ Linked! This Telegram account is now connected to ${username}\\.\\n\\nTo confirm it's you, enter this code on the dashboard \\(Profile → Telegram\\): [A-Z0-9]{6}\\nUntil then, /reset will not work here\\.\\n\\nTry /stats for your wagers and ranks\\.$`,
        ),
      );
      return /: ([A-Z0-9]{6})\n/.exec(reply)?.[1] ?? '';
    },
    async confirmOnDashboard(who, code) {
      await clientOf(who).api.telegram.confirmLink.mutate({ code });
    },
  };
}
