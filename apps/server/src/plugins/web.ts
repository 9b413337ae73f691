import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { AppDeps, SiteInfo } from '@goated/api/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type SharePage, shareCard } from '../share/cards';
import { shareImagesPlugin } from '../share/images';
import { fallbackCard, renderPage } from '../share/page';

/** Hashed build output never changes under its name: cached for a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else may change at any deploy: revalidated on every use (a 304 when unchanged). */
export const REVALIDATE = 'no-cache';

/** Vite's `assets/<name>-<hash>.<ext>` (the hash is 8 or more base64url characters). */
const HASHED_ASSET = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;

export function isHashedAsset(relativePath: string): boolean {
  return HASHED_ASSET.test(relativePath.split(path.sep).join('/'));
}

/** A share card may wait this long for the data behind it; after that the page goes out with the site's own. */
const CARD_DEADLINE_MS = 1500;

/**
 * Serves the dashboard's production build on the same origin as /trpc, so cookies and
 * WebSockets need no CORS. Client-side routes get index.html, with Open Graph / Twitter tags
 * for the page injected (the leaderboard, a race, a player); hashed assets are cached for good,
 * the rest revalidated. The share images (`/og/…png`) are served even without a build.
 */
export const webPlugin: FastifyPluginAsync<{ root: string; deps: AppDeps; site: SiteInfo }> = async (
  app,
  { root, deps, site },
) => {
  await app.register(shareImagesPlugin, { deps, site });
  const indexFile = path.join(root, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.info({ root }, 'dashboard not built (pnpm build); serving the API only');
    return;
  }
  const template = await readFile(indexFile, 'utf8');
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    // `/` is a page like the others (below), with its share tags.
    index: false,
    cacheControl: false,
    setHeaders: (res, file) => {
      res.setHeader('Cache-Control', isHashedAsset(path.relative(root, file)) ? IMMUTABLE : REVALIDATE);
    },
  });

  const sendPage = async (req: FastifyRequest, reply: FastifyReply, page: SharePage) => {
    const card = await withDeadline(shareCard(deps, site, page), CARD_DEADLINE_MS).catch((err: unknown) => {
      req.log.warn({ err }, 'share card unavailable; the page goes out with the site card');
      return null;
    });
    const html = renderPage(template, card ?? fallbackCard(site), originOf(req), req.url.split('?')[0] ?? '/');
    const etag = `"${createHash('sha1').update(html).digest('base64url')}"`;
    reply.header('Cache-Control', REVALIDATE).header('ETag', etag);
    if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(html);
  };

  app.get('/', (req, reply) => sendPage(req, reply, { kind: 'home' }));
  app.get<{ Params: { raceId: string } }>('/races/:raceId', (req, reply) => {
    const raceId = Number(req.params.raceId);
    return sendPage(
      req,
      reply,
      Number.isSafeInteger(raceId) && raceId > 0 ? { kind: 'race', raceId } : { kind: 'home' },
    );
  });
  app.get<{ Params: { uid: string } }>('/players/:uid', (req, reply) => {
    const { uid } = req.params;
    return sendPage(req, reply, uid.length > 0 && uid.length <= 128 ? { kind: 'player', uid } : { kind: 'home' });
  });
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '';
    if (req.method === 'GET' && !url.startsWith('/trpc') && !url.startsWith('/health') && !path.extname(url)) {
      return sendPage(req, reply, { kind: 'home' });
    }
    return reply.code(404).send({ error: 'Not Found' });
  });
};

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/** The origin links in the tags point at: the request's own (a host that is not a plain name is dropped). */
function originOf(req: FastifyRequest): string {
  const host = req.host;
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `${req.protocol}://${host}` : '';
}
