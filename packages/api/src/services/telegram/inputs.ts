/** The inputs every bot procedure shares: who is talking to the bot, and where a feed resumes. */
import { z } from 'zod';

/** Telegram user ids fit in 52 bits. */
export const telegramIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const telegramIdInput = z.object({ telegramId: telegramIdSchema });

/** Admin commands name the Telegram user who sent them; the server checks that user's role. */
export const requester = { requesterTelegramId: telegramIdSchema };

export const resumableInput = z.object({
  // Sent back by a reconnecting client: what finished since then is replayed.
  lastEventId: z.string().max(64).nullish(),
});
