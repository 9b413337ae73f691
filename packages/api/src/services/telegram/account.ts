/**
 * What the bot asks on behalf of a linked user (`/claim NAME`, `/stats`, `/race`). As everywhere
 * in the bot's procedures, the bot relays the Telegram user's id and the server decides from
 * the account linked to it.
 */
import { z } from 'zod';
import type { AuditActor } from '../audit';
import { type ClaimView, casinoNameSchema, claimPlayer } from '../claims';
import { type AccountStanding, accountStanding } from '../standing';
import { findLinkedAccount, notBanned, requireLinkedAccount, type TelegramDeps } from './identity';
import { telegramIdSchema } from './inputs';

export const telegramClaimInput = z.object({ telegramId: telegramIdSchema, name: casinoNameSchema });

/** `/claim NAME`: a claim for the account linked to this Telegram user. */
export async function claimFromTelegram(
  deps: TelegramDeps,
  actor: AuditActor,
  input: z.output<typeof telegramClaimInput>,
): Promise<ClaimView> {
  const user = await requireLinkedAccount(deps.db, input.telegramId);
  return claimPlayer(deps, { ...actor, userId: user.id }, user.id, { name: input.name }, 'telegram');
}

export interface TelegramStanding {
  username: string;
  /** null: no casino player linked yet (`/claim NAME`). */
  standing: AccountStanding | null;
}

/** `/stats` and `/race`: the linked user's standing, or null when this Telegram user is not linked. */
export async function standingByTelegramId(deps: TelegramDeps, telegramId: number): Promise<TelegramStanding | null> {
  const linked = await findLinkedAccount(deps.db, telegramId);
  if (!linked) return null;
  const user = notBanned(linked);
  return { username: user.username, standing: await accountStanding(deps, user.id) };
}
