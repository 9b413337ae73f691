/** The dashboard's index.html with a page's share tags (Open Graph, Twitter) and title. */
import type { SiteInfo } from '@goated/api/server';
import { type ShareCard, SITE_NAME } from './cards';
import { escapeXml, IMAGE_HEIGHT, IMAGE_WIDTH } from './image';

/** Text inside an HTML attribute or element: the same five characters as XML. */
export const escapeHtml = escapeXml;

/** The site's own card, for when the data behind a page's is unavailable. */
export function fallbackCard(site: SiteInfo): ShareCard {
  return {
    title: `${SITE_NAME} — live wager leaderboard`,
    description: `Climb the board and the VIP tiers, win the races.${site.referralCode ? ` Play with code ${site.referralCode}.` : ''}`,
    kicker: 'Live leaderboard',
    lines: [],
    accent: '#e3b341',
    imagePath: '/og/leaderboard.png',
  };
}

export function shareTags(card: ShareCard, origin: string, pagePath: string): string {
  const image = `${origin}${card.imagePath}`;
  const tags: [string, string, string][] = [
    ['name', 'description', card.description],
    ['property', 'og:type', 'website'],
    ['property', 'og:site_name', SITE_NAME],
    ['property', 'og:title', card.title],
    ['property', 'og:description', card.description],
    ['property', 'og:url', `${origin}${pagePath}`],
    ['property', 'og:image', image],
    ['property', 'og:image:type', 'image/png'],
    ['property', 'og:image:width', String(IMAGE_WIDTH)],
    ['property', 'og:image:height', String(IMAGE_HEIGHT)],
    ['property', 'og:image:alt', card.title],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', card.title],
    ['name', 'twitter:description', card.description],
    ['name', 'twitter:image', image],
  ];
  return tags.map(([attr, key, value]) => `<meta ${attr}="${key}" content="${escapeHtml(value)}">`).join('\n    ');
}

export function renderPage(template: string, card: ShareCard, origin: string, pagePath: string): string {
  const tags = shareTags(card, origin, pagePath);
  const titled = /<title>[\s\S]*?<\/title>/i.test(template)
    ? template.replace(/<title>[\s\S]*?<\/title>/i, () => `<title>${escapeHtml(card.title)}</title>`)
    : template;
  if (/<\/head>/i.test(titled)) return titled.replace(/<\/head>/i, () => `    ${tags}\n  </head>`);
  // A document without a head element: the tags go right after the title (or first).
  const afterTitle = titled.search(/<\/title>/i);
  if (afterTitle >= 0) {
    const at = afterTitle + '</title>'.length;
    return `${titled.slice(0, at)}\n${tags}${titled.slice(at)}`;
  }
  return `${tags}\n${titled}`;
}
