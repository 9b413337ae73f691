/**
 * The share preview as a PNG (1200×630, what Open Graph and Twitter cards expect): an SVG
 * drawn from the page's card, rendered by resvg (Rust, off the event loop in libuv's pool).
 * Fonts: DejaVu Sans from the system (Debian's fonts-dejavu-core) when present, else whatever
 * fonts the system has.
 */
import { existsSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import { type ShareCard, SITE_NAME } from './cards';

export const IMAGE_WIDTH = 1200;
export const IMAGE_HEIGHT = 630;

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `${FONT_DIR}/${f}`).filter((f) => existsSync(f));

/** Text for an XML document: the five special characters escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** At most `max` characters, an ellipsis marking a cut. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

const colourOr = (value: string | undefined, fallback: string) =>
  value && /^#[0-9a-fA-F]{6}$/.test(value) ? value : fallback;

export function cardSvg(card: ShareCard): string {
  const accent = colourOr(card.accent, '#e3b341');
  const lines = card.lines
    .slice(0, 3)
    .map((line, i) => {
      const y = 330 + i * 70;
      return `<text x="80" y="${y}" font-size="30" fill="#9aa4b8">${escapeXml(clip(line.label, 20))}</text>
  <text x="360" y="${y}" font-size="34" font-weight="bold" fill="${colourOr(line.colour, '#f2f4f8')}">${escapeXml(clip(line.value, 44))}</text>`;
    })
    .join('\n  ');
  const progress = card.progress
    ? `<rect x="80" y="548" width="1040" height="18" rx="9" fill="#232a3d"/>
  <rect x="80" y="548" width="${Math.round(1040 * Math.min(1, Math.max(0, card.progress.fraction)))}" height="18" rx="9" fill="${colourOr(card.progress.colour, accent)}"/>
  <text x="1120" y="530" font-size="24" text-anchor="end" fill="#9aa4b8">${escapeXml(clip(card.progress.label, 60))}</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" viewBox="0 0 ${IMAGE_WIDTH} ${IMAGE_HEIGHT}" font-family="DejaVu Sans, sans-serif">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#0b0f1a"/>
      <stop offset="1" stop-color="#18203a"/>
    </linearGradient>
  </defs>
  <rect width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" fill="url(#bg)"/>
  <rect width="${IMAGE_WIDTH}" height="10" fill="${accent}"/>
  <circle cx="1090" cy="110" r="46" fill="none" stroke="${accent}" stroke-width="8"/>
  <text x="1090" y="124" font-size="40" font-weight="bold" text-anchor="middle" fill="${accent}">★</text>
  <text x="80" y="100" font-size="30" font-weight="bold" fill="#e3b341">${escapeXml(SITE_NAME)}</text>
  <text x="80" y="160" font-size="26" fill="${accent}" letter-spacing="3">${escapeXml(clip(card.kicker.toUpperCase(), 48))}</text>
  <text x="80" y="240" font-size="60" font-weight="bold" fill="#ffffff">${escapeXml(clip(card.title.split(' — ')[0] ?? card.title, 30))}</text>
  ${lines}
  ${progress}
</svg>`;
}

/** The card as a PNG. */
export async function renderCard(card: ShareCard): Promise<Buffer> {
  const image = await renderAsync(cardSvg(card), {
    fitTo: { mode: 'width', value: IMAGE_WIDTH },
    font:
      fontFiles.length > 0
        ? { loadSystemFonts: false, fontFiles, defaultFontFamily: 'DejaVu Sans' }
        : { loadSystemFonts: true },
  });
  return image.asPng();
}
