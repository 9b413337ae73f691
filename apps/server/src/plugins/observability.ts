import fp from 'fastify-plugin';
import type { Metrics } from '../metrics';
import { requestLogLevel } from '../operator-log';

/**
 * One structured log line per HTTP request (the path only: query strings can carry inputs) —
 * at `info` when it failed or was slow, else at `debug` — and the Prometheus endpoint.
 */
// fastify-plugin: the hook must see every route, not only this plugin's own.
export const observabilityPlugin = fp<{ metrics: Metrics; slowRequestMs: number }>(
  async (app, { metrics, slowRequestMs }) => {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      metrics.http.observe({ method: req.method, route, status_code: String(reply.statusCode) }, seconds);
      if (route === '/metrics' || route.startsWith('/health')) return;
      req.log[requestLogLevel(reply.statusCode, reply.elapsedTime, slowRequestMs)](
        {
          method: req.method,
          path: req.url.split('?')[0],
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime),
        },
        'request',
      );
    });

    app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
);
