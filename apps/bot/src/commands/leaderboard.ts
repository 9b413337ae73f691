/** `/leaderboard [period]`: the top ten. */
import type { Bot } from 'node-telegram-bot-api';
import { formatLeaderboard, parsePeriodArg } from '../format';
import { argsOf, attempt, type CommandDeps, noPreview } from './shared';

export function registerLeaderboard(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log } = deps;
  bot.command('leaderboard', async (ctx) => {
    const parsed = parsePeriodArg(argsOf(ctx));
    if (!parsed.ok) return ctx.reply(parsed.message);
    const page = await attempt(log, () => api.leaderboard.top.query({ period: parsed.period, limit: 10 }, signal()), {
      failed: `leaderboard.top (${parsed.period})`,
      about: 'the leaderboard',
    });
    return ctx.reply(page.ok ? formatLeaderboard(page.value) : page.text, noPreview);
  });
}
