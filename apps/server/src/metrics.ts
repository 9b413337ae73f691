import type { ProcedureCall } from '@goated/api';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics. One registry per server instance, so several servers in one
 * process (tests) do not share counters.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'goated_' });
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

  const http = new Histogram({
    name: 'goated_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets,
    registers: [registry],
  });
  const procedure = new Histogram({
    name: 'goated_trpc_procedure_duration_seconds',
    help: 'tRPC procedure latency (for subscriptions: time to start)',
    labelNames: ['procedure', 'type', 'outcome'] as const,
    buckets,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'goated_trpc_errors_total',
    help: 'tRPC procedure errors by code',
    labelNames: ['procedure', 'code'] as const,
    registers: [registry],
  });

  return {
    registry,
    http,
    /** Registers a gauge whose value is read at scrape time. */
    gauge(name: string, help: string, read: () => number | Promise<number>) {
      return new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
    observeProcedure(call: ProcedureCall) {
      const outcome = call.errorCode ? 'error' : 'ok';
      procedure.observe({ procedure: call.path, type: call.type, outcome }, call.durationMs / 1000);
      if (call.errorCode) errors.inc({ procedure: call.path, code: call.errorCode });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
