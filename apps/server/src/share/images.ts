/** `/og/leaderboard.png`, `/og/race/<id>.png`, `/og/player/<uid>.png`: the share previews. */
import { createHash } from 'node:crypto';
import type { AppDeps, SiteInfo } from '@goated/api/server';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { imageCard, type SharePage } from './cards';
import { cardSvg, renderCard } from './image';

/** Rendered images kept, by the SVG they were drawn from: a card that did not change is not drawn again. */
const KEPT = 200;
/** Crawlers may keep an image this long before asking again. */
const IMAGE_CACHE = 'public, max-age=300';

export const shareImagesPlugin: FastifyPluginAsync<{ deps: AppDeps; site: SiteInfo }> = async (app, { deps, site }) => {
  const rendered = new Map<string, Promise<Buffer>>();

  const send = async (reply: FastifyReply, page: SharePage | null) => {
    const card = page ? await imageCard(deps, site, page) : null;
    if (!card) return reply.code(404).send({ error: 'Not Found' });
    const key = createHash('sha1').update(cardSvg(card)).digest('base64url');
    let png = rendered.get(key);
    if (!png) {
      png = renderCard(card);
      rendered.set(key, png);
      png.catch(() => rendered.delete(key));
      if (rendered.size > KEPT) {
        const oldest = rendered.keys().next();
        if (!oldest.done) rendered.delete(oldest.value);
      }
    }
    const body = await png;
    return reply.header('Cache-Control', IMAGE_CACHE).header('ETag', `"${key}"`).type('image/png').send(body);
  };

  /** `<name>.png` → name, or null for anything else. */
  const stem = (file: string) => (file.endsWith('.png') && file.length > 4 ? file.slice(0, -4) : null);

  app.get('/og/leaderboard.png', (_req, reply) => send(reply, { kind: 'home' }));
  app.get<{ Params: { file: string } }>('/og/race/:file', (req, reply) => {
    const id = Number(stem(req.params.file) ?? Number.NaN);
    return send(reply, Number.isSafeInteger(id) && id > 0 ? { kind: 'race', raceId: id } : null);
  });
  app.get<{ Params: { file: string } }>('/og/player/:file', (req, reply) => {
    const uid = stem(req.params.file);
    return send(reply, uid && uid.length <= 128 ? { kind: 'player', uid } : null);
  });
};
