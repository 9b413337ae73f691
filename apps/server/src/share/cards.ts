/**
 * What a shared link shows: one card per public page (the leaderboard, a race, a player),
 * built from the same cached reads the pages use. The HTML's Open Graph tags and the PNG
 * preview are both drawn from it, so they always agree.
 */
import {
  type AppDeps,
  cachedMvps,
  cachedRaceStandings,
  getPlayer,
  getRace,
  NotFoundError,
  type SiteInfo,
  vipLadder,
} from '@goated/api/server';

export type SharePage = { kind: 'home' } | { kind: 'race'; raceId: number } | { kind: 'player'; uid: string };

export interface ShareCard {
  /** The page's title (og:title, <title>). */
  title: string;
  /** One or two sentences (og:description). */
  description: string;
  /** Small capitals above the title on the image. */
  kicker: string;
  /** Up to three label / value lines on the image. */
  lines: { label: string; value: string; colour?: string }[];
  /** The image's accent colour (a tier's, gold by default). */
  accent: string;
  /** A bar under the lines (a player's way to the next tier). */
  progress?: { fraction: number; label: string; colour: string };
  /** Path of the PNG preview, e.g. `/og/race/3.png`. */
  imagePath: string;
}

export const SITE_NAME = 'GoatedVIPs';
const GOLD = '#e3b341';

type CardDeps = Pick<AppDeps, 'db' | 'bus' | 'live'>;

/** Amounts as the site shows them: "$1,234.56" in USD, "1,234.56 EUR" otherwise. */
export function formatMoney(amount: string, currency: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign = '', whole = '0', fraction = ''] = m;
  const text = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0').slice(0, 2)}`;
  return currency === 'USD' ? `${sign}$${text}` : `${sign}${text} ${currency}`;
}

function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError;
}

async function homeCard(deps: CardDeps, site: SiteInfo): Promise<ShareCard> {
  const mvps = await cachedMvps(deps);
  const lines = (
    [
      ['Today', mvps.today],
      ['This week', mvps.week],
      ['This month', mvps.month],
    ] as const
  ).map(([label, mvp]) =>
    mvp
      ? {
          label: `${label}'s #1`,
          value: `${mvp.name} · ${formatMoney(mvp.wagered, site.currency)}`,
          colour: mvp.tier.colour,
        }
      : { label: `${label}'s #1`, value: 'nobody yet' },
  );
  const month = mvps.month;
  const join = site.referralCode ? ` Play with code ${site.referralCode}.` : '';
  return {
    title: `${SITE_NAME} — live wager leaderboard`,
    description: `${month ? `${month.name} leads this month with ${formatMoney(month.wagered, site.currency)} wagered. ` : ''}Climb the board and the VIP tiers, win the races.${join}`,
    kicker: 'Live leaderboard',
    lines,
    accent: GOLD,
    imagePath: '/og/leaderboard.png',
  };
}

async function raceCard(deps: CardDeps, site: SiteInfo, raceId: number): Promise<ShareCard | null> {
  let race: Awaited<ReturnType<typeof getRace>>;
  try {
    race = await getRace(deps.db, raceId);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const pool = formatMoney(race.prizePool, site.currency);
  const podium =
    race.status === 'completed'
      ? race.winners
      : race.status === 'live'
        ? (await cachedRaceStandings(deps, { raceId, limit: 3 })).standings
        : [];
  const lines = podium.slice(0, 3).map((p) => ({
    label: `#${p.rank}`,
    value: `${p.name} · ${formatMoney(p.wagered, site.currency)}${p.prize !== '0.00' ? ` → ${formatMoney(p.prize, site.currency)}` : ''}`,
  }));
  if (lines.length === 0) {
    const first = race.prizes[0];
    lines.push({ label: 'Prize pool', value: pool });
    if (first) lines.push({ label: '1st prize', value: formatMoney(first.prize, site.currency) });
    lines.push({ label: 'Paid places', value: String(race.prizes.length) });
  }
  const when =
    race.status === 'upcoming'
      ? `starts ${race.startsAt.toUTCString()}`
      : race.status === 'live'
        ? `ends ${race.endsAt.toUTCString()}`
        : race.status === 'completed'
          ? `ended ${race.endsAt.toUTCString()}`
          : 'cancelled';
  const leader = podium[0];
  return {
    title: `${race.name} — ${pool} wager race`,
    description: `${pool} prize pool over ${race.prizes.length} paid places; ${when}.${leader ? ` ${race.status === 'completed' ? 'Won by' : 'Led by'} ${leader.name}.` : ''}`,
    kicker: `Wager race · ${race.status}`,
    lines,
    accent: GOLD,
    imagePath: `/og/race/${race.id}.png`,
  };
}

async function playerCard(deps: CardDeps, site: SiteInfo, uid: string): Promise<ShareCard | null> {
  let player: Awaited<ReturnType<typeof getPlayer>>;
  try {
    player = await getPlayer(deps.db, uid, await vipLadder(deps));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const { periods, tier, tierProgress } = player;
  const rank = (r: number | null) => (r === null ? 'unranked' : `#${r.toLocaleString('en-US')}`);
  const next = tierProgress.next;
  return {
    title: `${player.name} — ${tier.name} VIP on ${SITE_NAME}`,
    description: `${tier.name} tier with ${formatMoney(periods.all.wagered, site.currency)} wagered all time; ${rank(periods.month.rank)} this month.${next && tierProgress.remaining ? ` ${formatMoney(tierProgress.remaining, site.currency)} to ${next.name}.` : ''}`,
    kicker: `${tier.name} VIP`,
    lines: [
      { label: 'All time', value: formatMoney(periods.all.wagered, site.currency), colour: tier.colour },
      {
        label: 'This month',
        value: `${formatMoney(periods.month.wagered, site.currency)} · ${rank(periods.month.rank)}`,
      },
      { label: 'This week', value: `${formatMoney(periods.week.wagered, site.currency)} · ${rank(periods.week.rank)}` },
    ],
    accent: tier.colour,
    ...(next && tierProgress.remaining
      ? {
          progress: {
            fraction: tierProgress.progress,
            label: `${formatMoney(tierProgress.remaining, site.currency)} to ${next.name}`,
            colour: next.colour,
          },
        }
      : {}),
    imagePath: `/og/player/${encodeURIComponent(player.uid)}.png`,
  };
}

/** The card of a page; a race or player that does not exist gets the site's own card. */
export async function shareCard(deps: CardDeps, site: SiteInfo, page: SharePage): Promise<ShareCard> {
  const card =
    page.kind === 'race'
      ? await raceCard(deps, site, page.raceId)
      : page.kind === 'player'
        ? await playerCard(deps, site, page.uid)
        : null;
  return card ?? homeCard(deps, site);
}

/** The card of an image path's page, or null when the path names nothing (a 404). */
export async function imageCard(deps: CardDeps, site: SiteInfo, page: SharePage): Promise<ShareCard | null> {
  if (page.kind === 'race') return raceCard(deps, site, page.raceId);
  if (page.kind === 'player') return playerCard(deps, site, page.uid);
  return homeCard(deps, site);
}
