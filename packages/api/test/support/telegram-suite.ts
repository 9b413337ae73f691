/**
 * What the Telegram tests share: one test API per file and backend with an admin, the bot's
 * key (`bot` scope) and three players (Ann, Ben, Cat), and the ways a test makes users.
 */
import type { DbKind } from '@goated/db';
import { afterAll, beforeAll } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../../src/server';
import { type Caller, createTestApi, insertPlayers, insertUser, type TestApi } from '../fixtures';

export interface TelegramWorld {
  t: TestApi;
  admin: SessionUser;
  adminCaller: Caller;
  botKey: ApiKeyIdentity;
  bot: Caller;
}

/** Registers the file's hooks; `world()` is ready from the describe's first `beforeAll` on. */
export function telegramSuite(kind: DbKind) {
  let world: TelegramWorld | undefined;
  const current = (): TelegramWorld => {
    if (!world) throw new Error('the Telegram test world is set up in beforeAll');
    return world;
  };

  beforeAll(async () => {
    const t = await createTestApi(kind);
    const admin = await insertUser(t.deps.db, { username: 'boss', role: 'admin' });
    const adminCaller = t.callerAs({ user: admin });
    const created = await adminCaller.admin.apiKeys.create({ name: 'telegram bot', scopes: ['bot'] });
    const botKey: ApiKeyIdentity = { id: created.apiKey.id, name: 'telegram bot', scopes: ['bot'], ownerId: admin.id };
    world = { t, admin, adminCaller, botKey, bot: t.callerAs({ apiKey: botKey }) };
    await insertPlayers(t.deps.db, [
      { uid: 'p-ann', name: 'Ann', month: '500.00', all: '900.00' },
      { uid: 'p-ben', name: 'Ben', month: '800.00', all: '800.00' },
      { uid: 'p-cat', name: 'Cat' },
    ]);
  });
  afterAll(() => world?.t.close());

  /** A user with a player, signed in on the dashboard. */
  async function dashboardUser(username: string, playerUid?: string) {
    const { t } = current();
    const user = await insertUser(t.deps.db, { username, ...(playerUid ? { playerUid } : {}) });
    return { user, caller: t.callerAs({ user }) };
  }

  /** A user linked to `telegramId` through the bot (not confirmed). */
  async function linkedUser(username: string, telegramId: number, playerUid?: string) {
    const { user, caller } = await dashboardUser(username, playerUid);
    const { code } = await caller.telegram.createLinkCode();
    await current().bot.telegram.verify({ code, telegramId });
    return user;
  }

  return { world: current, dashboardUser, linkedUser };
}
