/**
 * Player claims from Telegram through the real router on both databases: `/claim NAME` for the
 * linked account, the Approve / Reject callbacks (refused by the server for anyone but a linked
 * admin), and the stream of new claims for linked admins.
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { claimsForAdmins } from '../src/services/telegram/claim-review';
import { type Caller, createTestApi, insertPlayers, insertUser, refusal, type TestApi } from './fixtures';

const { users, playerClaims, auditLog } = schema;

describe.each(testBackends())('player claims from Telegram on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let asAdmin: Caller;
  let n = 0;

  async function newUser() {
    const user = await insertUser(t.deps.db, { username: `tg_claimer_${++n}` });
    return { user, caller: t.callerAs({ user }) };
  }

  async function playerOf(userId: string): Promise<string | null> {
    const [row] = await t.deps.db.select({ uid: users.playerUid }).from(users).where(eq(users.id, userId));
    return row?.uid ?? null;
  }

  let bot: Caller;
  let adminTelegram: number;

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'tg_claims_admin', role: 'admin' });
    asAdmin = t.callerAs({ user: admin });
    const created = await asAdmin.admin.apiKeys.create({ name: 'bot', scopes: ['bot'] });
    const key: ApiKeyIdentity = { id: created.apiKey.id, name: 'bot', scopes: ['bot'], ownerId: admin.id };
    bot = t.callerAs({ apiKey: key });
    adminTelegram = 424_242;
    await t.deps.db
      .update(users)
      .set({ telegramId: adminTelegram, telegramConfirmedAt: new Date() })
      .where(eq(users.id, admin.id));
  });
  afterAll(() => t.close());

  async function linkedUser(telegramId: number) {
    const made = await newUser();
    await t.deps.db
      .update(users)
      .set({ telegramId, telegramConfirmedAt: new Date() })
      .where(eq(users.id, made.user.id));
    return made;
  }

  it('files a claim with /claim NAME for the linked account', async () => {
    const { user } = await linkedUser(515_001);
    await insertPlayers(t.deps.db, [{ uid: 'u-tg', name: 'TeleGoat' }]);
    await expect(bot.telegram.claimPlayer({ telegramId: 515_001, name: 'telegoat' })).resolves.toMatchObject({
      status: 'pending',
      player: { uid: 'u-tg' },
    });
    const [claim] = await t.deps.db.select().from(playerClaims).where(eq(playerClaims.userId, user.id));
    expect(claim?.playerUid).toBe('u-tg');
    expect((await refusal(bot.telegram.claimPlayer({ telegramId: 9, name: 'TeleGoat' }))).code).toBe('NOT_FOUND');
  });

  it("refuses a non-admin's Approve callback, and accepts a linked admin's", async () => {
    const { user } = await linkedUser(515_002);
    await insertPlayers(t.deps.db, [{ uid: 'u-tg-2', name: 'ButtonGoat' }]);
    const claim = await bot.telegram.claimPlayer({ telegramId: 515_002, name: 'ButtonGoat' });
    // The claimant themself, an unknown Telegram user: both refused by the server.
    for (const requesterTelegramId of [515_002, 777]) {
      expect(
        (await refusal(bot.telegram.reviewClaim({ requesterTelegramId, claimId: claim.id, decision: 'approve' }))).code,
      ).toBe('FORBIDDEN');
      expect((await refusal(bot.telegram.claimForReview({ requesterTelegramId, claimId: claim.id }))).code).toBe(
        'FORBIDDEN',
      );
    }
    expect(await playerOf(user.id)).toBeNull();
    await expect(
      bot.telegram.reviewClaim({ requesterTelegramId: adminTelegram, claimId: claim.id, decision: 'approve' }),
    ).resolves.toMatchObject({ status: 'approved' });
    expect(await playerOf(user.id)).toBe('u-tg-2');
    const [audit] = await t.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'claim.approve'), eq(auditLog.targetId, String(claim.id))));
    expect(audit).toMatchObject({ actorUserId: admin.id });
    expect(audit?.actorApiKeyId).not.toBeNull();
  });

  it('rejects from Telegram with the reason the admin typed', async () => {
    await linkedUser(515_003);
    await insertPlayers(t.deps.db, [{ uid: 'u-tg-3', name: 'ReasonGoat' }]);
    const claim = await bot.telegram.claimPlayer({ telegramId: 515_003, name: 'ReasonGoat' });
    expect(
      (
        await refusal(
          bot.telegram.reviewClaim({
            requesterTelegramId: adminTelegram,
            claimId: claim.id,
            decision: 'reject',
            reason: '',
          }),
        )
      ).fields,
    ).toEqual(['reason']);
    await expect(
      bot.telegram.reviewClaim({
        requesterTelegramId: adminTelegram,
        claimId: claim.id,
        decision: 'reject',
        reason: 'Not your account',
      }),
    ).resolves.toMatchObject({ status: 'rejected', reason: 'Not your account' });
  });

  it('streams new claims to the linked admins, replaying pending ones after a reconnect', async () => {
    const abort = new AbortController();
    const feed = claimsForAdmins(t.deps, null, abort.signal);
    const first = feed.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await linkedUser(515_004);
    await insertPlayers(t.deps.db, [{ uid: 'u-tg-4', name: 'StreamGoat' }]);
    const claim = await bot.telegram.claimPlayer({ telegramId: 515_004, name: 'StreamGoat' });
    const envelope = (await first).value;
    expect(envelope?.[0]).toBe(String(claim.id));
    expect(envelope?.[1]).toMatchObject({
      claim: { id: claim.id, player: { name: 'StreamGoat' } },
      adminTelegramIds: [adminTelegram],
    });
    abort.abort();
    await feed.return(undefined);

    // A bot that was away asks from the last claim it saw: the pending one comes again.
    const again = new AbortController();
    const replay = claimsForAdmins(t.deps, String(claim.id - 1), again.signal);
    expect((await replay.next()).value?.[0]).toBe(String(claim.id));
    again.abort();
    await replay.return(undefined);
  });
});
