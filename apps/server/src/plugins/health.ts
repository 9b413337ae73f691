import { type AppDeps, getHealth, readinessOf } from '@goated/api/server';
import type { FastifyPluginAsync } from 'fastify';

/**
 * `/health`: the process is alive. `/health/ready`: it can serve (database and bus up), with
 * each dependency's state but no error text (public: load balancers read it).
 */
export const healthPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const health = await getHealth(deps);
    return reply.code(health.status === 'ok' ? 200 : 503).send(readinessOf(health));
  });
};
