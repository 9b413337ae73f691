import fp from 'fastify-plugin';
import type { Metrics } from '../metrics';
import { type MetricsAccess, metricsVerdict } from '../metrics-access';
import { requestLogLevel } from '../operator-log';

/**
 * One structured log line per HTTP request (the path only: query strings can carry inputs) —
 * at `info` when it failed or was slow, else at `debug` — and the Prometheus endpoint, for those
 * `metricsAccess` lets in (see metrics-access.ts).
 */
// fastify-plugin: the hook must see every route, not only this plugin's own.
export const observabilityPlugin = fp<{ metrics: Metrics; slowRequestMs: number; metricsAccess: MetricsAccess }>(
  async (app, { metrics, slowRequestMs, metricsAccess }) => {
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

    // With a listener of its own (METRICS_PORT), the public port has no /metrics at all.
    if (metricsAccess.listen) return;
    app.get('/metrics', async (req, reply) => {
      const verdict = metricsVerdict(metricsAccess, req.raw);
      if (verdict === 'hidden') return reply.code(404).send({ error: 'Not Found' });
      if (verdict === 'unauthorized') {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'A metrics token is required' });
      }
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
);
