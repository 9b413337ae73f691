/** `/stats`: the linked player's standing, with a note when the data is stale. */
import type { Bot } from 'node-telegram-bot-api';
import { notLinkedText, staleNoteText, statsUsageText } from '../format';
import { bannedText, standingText } from '../format-account';
import { argsOf, attempt, type CommandDeps, noPreview } from './shared';

export function registerStats(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log } = deps;
  bot.command('stats', async (ctx) => {
    const from = ctx.from;
    if (argsOf(ctx) !== '') return ctx.reply(statsUsageText);
    if (!from) return ctx.reply(notLinkedText);
    // Freshness is a footnote: if it cannot be had, the stats are still worth sending.
    const health = api.health.status.query(undefined, signal()).catch((err: unknown) => {
      log.error({ err }, 'health.status failed:');
      return null;
    });
    const stats = await attempt(
      log,
      async () => {
        const user = await api.telegram.standing.query({ telegramId: from.id }, signal());
        const text = user ? standingText(user) : notLinkedText;
        const stale = user?.standing ? await health.then((h) => h && staleNoteText(h.freshness)) : null;
        return stale ? `${text}\n\n${stale}` : text;
      },
      {
        failed: 'telegram.standing',
        about: 'your stats',
        refuse: (code) => (code === 'FORBIDDEN' ? bannedText : undefined),
      },
    );
    if (!stats.ok && stats.code === 'FORBIDDEN') return ctx.reply(stats.text);
    return ctx.reply(stats.ok ? stats.value : stats.text, noPreview);
  });
}
