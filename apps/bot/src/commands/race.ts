/** `/race`: the live race's standings (and the sender's place), or when the next one starts. */
import type { Bot } from 'node-telegram-bot-api';
import { formatNoLiveRace, formatRace, type Race, raceUsageText } from '../format';
import { youInRaceText } from '../format-account';
import { argsOf, attempt, type CommandDeps, noPreview } from './shared';

function soonest(races: Race[]): Race | undefined {
  return races.reduce<Race | undefined>((best, r) => (!best || r.startsAt < best.startsAt ? r : best), undefined);
}

export function registerRace(bot: Bot, deps: CommandDeps): void {
  const { api, signal, log, now } = deps;
  bot.command('race', async (ctx) => {
    if (argsOf(ctx) !== '') return ctx.reply(raceUsageText);
    // The sender's own place, if their account and player are linked; the race shows without it.
    const mine = ctx.from
      ? api.telegram.standing.query({ telegramId: ctx.from.id }, signal()).catch(() => null)
      : Promise.resolve(null);
    const race = await attempt(
      log,
      async () => {
        const { races: live } = await api.races.list.query({ status: 'live', limit: 5 }, signal());
        const [current, ...others] = live;
        if (!current) {
          const { races: upcoming } = await api.races.list.query({ status: 'upcoming', limit: 20 }, signal());
          return formatNoLiveRace(soonest(upcoming), now());
        }
        const standings = await api.races.standings.query({ raceId: current.id, limit: 10 }, signal());
        const text = formatRace(current, standings, now(), others);
        const you = (await mine)?.standing?.races.find((r) => r.raceId === current.id);
        return you && !standings.final ? `${text}\n\n${youInRaceText(you)}` : text;
      },
      { failed: 'race lookup', about: 'the race' },
    );
    return ctx.reply(race.ok ? race.value : race.text, noPreview);
  });
}
