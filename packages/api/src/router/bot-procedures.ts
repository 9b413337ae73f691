import { z } from 'zod';
import { scopedProcedure, scopedProcedureOnBehalf } from '../trpc';

/** What only the bot (a `bot`-scoped key, or an admin) may call. */
export const botProcedure = scopedProcedure('bot');

/** Who the bot is acting for, as its calls name them (`telegramId`, or `requesterTelegramId`). */
const onBehalfOf = z.union([
  z.object({ telegramId: z.number().int().positive() }),
  z.object({ requesterTelegramId: z.number().int().positive() }),
]);

/**
 * What the bot asks for one Telegram user counts against that user's budget, not the bot key's:
 * 70 people sending /reset cannot use up what someone else's /verify needs.
 */
export const forTelegramUser = scopedProcedureOnBehalf('bot', 'telegramUser', (rawInput) => {
  const parsed = onBehalfOf.safeParse(rawInput);
  if (!parsed.success) return null;
  return `tg:${'telegramId' in parsed.data ? parsed.data.telegramId : parsed.data.requesterTelegramId}`;
});
