import { type AppDeps, getHealth } from '@goated/api/server';
import type { FastifyPluginAsync } from 'fastify';

/** `/health`: the process is alive. `/health/ready`: it can serve (database and bus up). */
export const healthPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const health = await getHealth(deps);
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });
};
