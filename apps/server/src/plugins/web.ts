import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Serves the dashboard's production build on the same origin as /trpc, so cookies and
 * WebSockets need no CORS. Client-side routes fall back to index.html.
 */
export const webPlugin: FastifyPluginAsync<{ root: string }> = async (app, { root }) => {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.info({ root }, 'dashboard not built (pnpm build); serving the API only');
    return;
  }
  await app.register(fastifyStatic, { root, wildcard: false });
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '';
    if (req.method === 'GET' && !url.startsWith('/trpc') && !url.startsWith('/health') && !path.extname(url)) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ error: 'Not Found' });
  });
};
