/** The public read commands: top, race, player. */

import { errorCode } from '../errors';
import type { RouterOutputs } from '../router';
import { CliError, type CommandContext } from './context';
import { amount, table, time } from './format';

export const periods = ['today', 'week', 'month', 'all'] as const;
export type Period = (typeof periods)[number];

type LeaderboardPage = RouterOutputs['leaderboard']['top'];
type Race = RouterOutputs['races']['get'];
type RaceStandings = RouterOutputs['races']['standings'];
type Player = RouterOutputs['players']['get'];

export function leaderboardText(page: LeaderboardPage): string {
  if (page.entries.length === 0) return `Nobody has wagered (${page.period}) yet.`;
  return table(
    ['#', 'player', 'wagered'],
    page.entries.map((e) => [String(e.rank), e.name, amount(e.wagered)]),
    ['right', 'left', 'right'],
  );
}

export async function top(ctx: CommandContext, options: { period: Period; limit: number; search?: string }) {
  const page = await ctx.api.leaderboard.top.query({
    period: options.period,
    limit: options.limit,
    ...(options.search ? { search: options.search } : {}),
  });
  ctx.print(() => `Top ${options.limit} (${page.period}) at ${time(page.generatedAt)}\n${leaderboardText(page)}`, page);
}

function raceLine(race: Race): string[] {
  const when = race.status === 'upcoming' ? `starts ${time(race.startsAt)}` : `ends ${time(race.endsAt)}`;
  return [String(race.id), race.name, race.status, when, amount(race.prizePool)];
}

export function standingsText(race: Race, standings: RaceStandings): string {
  const head = `${race.name} (#${race.id}, ${race.status}) — prize pool ${amount(race.prizePool)}, ${time(race.startsAt)} → ${time(race.endsAt)}`;
  if (standings.standings.length === 0) return `${head}\nNo standings yet.`;
  return `${head}${standings.final ? ' — final results' : ''}\n${table(
    ['#', 'player', 'wagered', 'prize'],
    standings.standings.map((s) => [String(s.rank), s.name, amount(s.wagered), amount(s.prize)]),
    ['right', 'left', 'right', 'right'],
  )}`;
}

/** One race with its standings, or the live and upcoming races. */
export async function race(ctx: CommandContext, id: number | undefined, limit: number) {
  if (id === undefined) {
    const [live, upcoming] = await Promise.all([
      ctx.api.races.list.query({ status: 'live', limit: 20 }),
      ctx.api.races.list.query({ status: 'upcoming', limit: 20 }),
    ]);
    const races = [...live.races, ...upcoming.races];
    ctx.print(
      () =>
        races.length === 0
          ? 'No live or upcoming races.'
          : `${table(['id', 'race', 'status', 'when', 'prize pool'], races.map(raceLine), ['right', 'left', 'left', 'left', 'right'])}\n\nStandings: goated race ID`,
      { races },
    );
    return;
  }
  const [info, standings] = await Promise.all([
    ctx.api.races.get.query({ raceId: id }),
    ctx.api.races.standings.query({ raceId: id, limit }),
  ]);
  ctx.print(() => standingsText(info, standings), { race: info, standings });
}

function playerText(player: Player): string {
  const rows = periods.map((period) => {
    const stats = player.periods[period];
    return [period, amount(stats.wagered), stats.rank === null ? '—' : `#${stats.rank}`];
  });
  const lines = [
    `${player.name} (uid ${player.uid}), updated ${time(player.upstreamUpdatedAt)}`,
    table(['period', 'wagered', 'rank'], rows, ['left', 'right', 'right']),
  ];
  for (const r of player.races) {
    lines.push(
      `race "${r.name}" (#${r.raceId}): ${r.rank === null ? 'unranked' : `#${r.rank}`}, ${amount(r.wagered)} wagered`,
    );
  }
  return lines.join('\n');
}

/** A player by uid, or by name (a case-insensitive prefix: one match, or an exact one). */
export async function player(ctx: CommandContext, nameOrUid: string) {
  const byUid = await ctx.api.players.get.query({ uid: nameOrUid }).catch((err: unknown) => {
    if (errorCode(err) === 'NOT_FOUND') return null;
    throw err;
  });
  if (byUid) {
    ctx.print(() => playerText(byUid), byUid);
    return;
  }
  const { entries } = await ctx.api.leaderboard.top.query({ period: 'all', search: nameOrUid, limit: 10 });
  const exact = entries.filter((e) => e.name.toLowerCase() === nameOrUid.toLowerCase());
  const match = exact.length === 1 ? exact[0] : entries.length === 1 ? entries[0] : undefined;
  if (!match) {
    if (entries.length === 0) throw new CliError(`No player named "${nameOrUid}" (nor with that uid).`);
    const list = entries.map((e) => `  ${e.name} (uid ${e.uid})`).join('\n');
    throw new CliError(`Several players match "${nameOrUid}":\n${list}\nRun goated player UID with one of them.`);
  }
  const profile = await ctx.api.players.get.query({ uid: match.uid });
  ctx.print(() => playerText(profile), profile);
}
