import type { ProcedureCall, RealtimeStats, SyncRunResult } from '@goated/api/server';
import type { PoolUsage } from '@goated/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics need of a sync run's result. */
export type SyncOutcome = Pick<
  SyncRunResult,
  'trigger' | 'status' | 'durationMs' | 'recordsIn' | 'recordsOut' | 'recordsSkipped'
>;

/** Lookups of one cache since start. */
export interface CacheCounts {
  hits: number;
  misses: number;
}

/** What the metrics read at scrape time from the parts of the server that count for themselves. */
export interface MetricSources {
  realtime: () => RealtimeStats;
  /** Every read cache by name (the query caches and the HTTP fast path's URL memo). */
  caches: () => Record<string, CacheCounts>;
  dbPool: () => Promise<PoolUsage>;
}

/** A bound on the pool query at scrape time: a saturated pool must not hang /metrics. */
const POOL_QUERY_TIMEOUT_MS = 1000;

/**
 * The server's Prometheus metrics. One registry per server instance, so several servers in one
 * process (tests) do not share counters.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'goated_' });
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const registers = [registry];

  /** A request latency histogram, in seconds, on the shared buckets. */
  const latency = <Label extends string>(name: string, help: string, labelNames: readonly Label[]) =>
    new Histogram<Label>({ name, help, labelNames, buckets, registers });

  const http = latency('goated_http_request_duration_seconds', 'HTTP request latency by route and status', [
    'method',
    'route',
    'status_code',
  ]);
  const procedure = latency(
    'goated_trpc_procedure_duration_seconds',
    'tRPC procedure latency (for subscriptions: time to start)',
    ['procedure', 'type', 'outcome'],
  );
  const errors = new Counter({
    name: 'goated_trpc_errors_total',
    help: 'tRPC procedure errors by code',
    labelNames: ['procedure', 'code'] as const,
    registers,
  });
  const syncDuration = new Histogram({
    name: 'goated_sync_run_duration_seconds',
    help: 'Sync pipeline runs by trigger and outcome (succeeded, failed, skipped)',
    labelNames: ['trigger', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const syncRecords = new Counter({
    name: 'goated_sync_records_total',
    help: 'Upstream records through the pipeline: in (received), out (applied), skipped (invalid)',
    labelNames: ['kind'] as const,
    registers,
  });
  const syncLastSuccess = new Gauge({
    name: 'goated_sync_last_success_timestamp_seconds',
    help: 'When the last successful sync run of this process finished (unix time)',
    registers,
  });

  return {
    registry,
    http,
    /** Registers a gauge whose value is read at scrape time. */
    gauge(name: string, help: string, read: () => number | Promise<number>) {
      return new Gauge({
        name,
        help,
        registers,
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
    observeSync(result: SyncOutcome) {
      syncDuration.observe({ trigger: result.trigger, outcome: result.status }, result.durationMs / 1000);
      if (result.status === 'skipped') return;
      syncRecords.inc({ kind: 'in' }, result.recordsIn);
      syncRecords.inc({ kind: 'out' }, result.recordsOut);
      syncRecords.inc({ kind: 'skipped' }, result.recordsSkipped);
      if (result.status === 'succeeded') syncLastSuccess.set(Date.now() / 1000);
    },
    /** The series read from counters kept elsewhere (transport, caches, database pool). */
    readFrom(sources: MetricSources) {
      registerSourceMetrics(registers, sources);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

function registerSourceMetrics(registers: Registry[], sources: MetricSources): void {
  // Counters kept by their owners since start: each scrape copies the current totals.
  new Counter({
    name: 'goated_ws_connections_total',
    help: 'WebSocket connections accepted since start',
    registers,
    collect() {
      this.reset();
      this.inc(sources.realtime().connections.total);
    },
  });
  new Gauge({
    name: 'goated_ws_connections',
    help: 'Open WebSocket connections',
    registers,
    collect() {
      this.set(sources.realtime().connections.active);
    },
  });
  new Gauge({
    name: 'goated_ws_subscriptions',
    help: 'Running subscriptions over WebSocket',
    registers,
    collect() {
      this.set(sources.realtime().subscriptions.active);
    },
  });
  new Gauge({
    name: 'goated_sse_streams',
    help: 'Open Server-Sent-Events streams (the subscription fallback)',
    registers,
    collect() {
      this.set(sources.realtime().sse.active);
    },
  });
  new Counter({
    name: 'goated_ws_messages_total',
    help: 'WebSocket messages received (in) and sent (out), protocol pings excluded',
    labelNames: ['direction'] as const,
    registers,
    collect() {
      const { messages } = sources.realtime();
      this.reset();
      this.inc({ direction: 'in' }, messages.in);
      this.inc({ direction: 'out' }, messages.out);
    },
  });
  new Counter({
    name: 'goated_ws_closed_total',
    help: 'WebSocket connections the server closed, by reason',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const stats = sources.realtime();
      this.reset();
      this.inc({ reason: 'keepalive_timeout' }, stats.keepAliveTimeouts);
      this.inc({ reason: 'slow_consumer' }, stats.slowConsumersDropped);
      this.inc({ reason: 'message_too_large' }, stats.limitViolations.messageTooLarge);
      this.inc({ reason: 'message_rate' }, stats.limitViolations.messageRate);
      this.inc({ reason: 'too_many_subscriptions' }, stats.limitViolations.subscriptions);
    },
  });

  new Counter({
    name: 'goated_cache_lookups_total',
    help: 'Read-cache lookups by cache and result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const [cache, counts] of Object.entries(sources.caches())) {
        this.inc({ cache, result: 'hit' }, counts.hits);
        this.inc({ cache, result: 'miss' }, counts.misses);
      }
    },
  });
  new Gauge({
    name: 'goated_cache_hit_ratio',
    help: 'Share of read-cache lookups answered from memory since start (cache="all": every cache)',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      this.reset();
      let hits = 0;
      let lookups = 0;
      for (const [cache, counts] of Object.entries(sources.caches())) {
        const total = counts.hits + counts.misses;
        hits += counts.hits;
        lookups += total;
        if (total > 0) this.set({ cache }, counts.hits / total);
      }
      if (lookups > 0) this.set({ cache: 'all' }, hits / lookups);
    },
  });

  new Gauge({
    name: 'goated_db_pool_max',
    help: 'Connections the database pool may open',
    registers,
    async collect() {
      const usage = await poolUsage(sources);
      if (usage) this.set(usage.max);
    },
  });
  new Gauge({
    name: 'goated_db_pool_connections',
    help: "Open connections of this process's database pool by state (pg_stat_activity; the scrape's own query is one active)",
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      const usage = await poolUsage(sources);
      if (!usage) return;
      for (const [state, count] of Object.entries(usage.connections)) this.set({ state }, count);
    },
  });
}

/**
 * One pool read per scrape however many gauges ask (they collect concurrently); undefined when
 * the database is down or busy past the bound, so a scrape still answers during an outage.
 */
const pendingPoolReads = new WeakMap<MetricSources, Promise<PoolUsage | undefined>>();

function poolUsage(sources: MetricSources): Promise<PoolUsage | undefined> {
  let pending = pendingPoolReads.get(sources);
  if (!pending) {
    let timer: NodeJS.Timeout | undefined;
    pending = Promise.race([
      sources.dbPool().catch(() => undefined),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, POOL_QUERY_TIMEOUT_MS, undefined);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      pendingPoolReads.delete(sources);
    });
    pendingPoolReads.set(sources, pending);
  }
  return pending;
}
