/**
 * The log as an operator reads it: request and procedure lines at `info` only when they failed
 * or were slow (everything at `debug`), and one summary line every couple of minutes with
 * what the server is doing. The same timer stores this instance's connection counts for the
 * admin overview's chart.
 */
import { hostname } from 'node:os';
import { type Logger, recordConnectionSample } from '@goated/api/server';
import { type Db, schema } from '@goated/db';
import { desc, ne } from 'drizzle-orm';
import type { RealtimeCounters } from './realtime/stats';

export type LogLevel = 'debug' | 'info' | 'warn';

/** Failed (status ≥ 400) or slow → seen at `info` (5xx at `warn`); the rest only at `debug`. */
export function requestLogLevel(status: number, durationMs: number, slowMs: number): LogLevel {
  if (status >= 500) return 'warn';
  if (status >= 400 || durationMs >= slowMs) return 'info';
  return 'debug';
}

/** A procedure call: an error code or a slow call → `info`; the rest `debug`. */
export function procedureLogLevel(errorCode: string | null, durationMs: number, slowMs: number): LogLevel {
  if (errorCode === 'INTERNAL_SERVER_ERROR') return 'warn';
  if (errorCode !== null || durationMs >= slowMs) return 'info';
  return 'debug';
}

export interface OperatorLogOptions {
  log: Logger;
  db: Db;
  stats: RealtimeCounters;
  /** Summary line every this many ms; 0 turns it off. */
  summaryIntervalMs: number;
  /** Connection sample for the overview every this many ms; 0 turns it off. */
  sampleIntervalMs: number;
  instance?: string;
}

export interface OperatorLog {
  /** Writes the summary line now (also what the timer does). */
  summarize(): Promise<void>;
  stop(): void;
}

export function startOperatorLog(options: OperatorLogOptions): OperatorLog {
  const { log, db, stats } = options;
  const instance = options.instance ?? `${hostname()}:${process.pid}`;
  let last = { in: stats.messagesIn, out: stats.messagesOut, at: Date.now() };
  let windowPeak = stats.connectionsActive;
  // The peak inside each summary window, not only since start.
  const peakWatch = setInterval(() => {
    windowPeak = Math.max(windowPeak, stats.connectionsActive);
  }, 1000);
  peakWatch.unref();

  const summarize = async () => {
    const now = Date.now();
    const [run] = await db
      .select({
        id: schema.syncRuns.id,
        status: schema.syncRuns.status,
        startedAt: schema.syncRuns.startedAt,
        finishedAt: schema.syncRuns.finishedAt,
        recordsOut: schema.syncRuns.recordsOut,
      })
      .from(schema.syncRuns)
      .where(ne(schema.syncRuns.status, 'running'))
      .orderBy(desc(schema.syncRuns.id))
      .limit(1)
      .catch(() => []);
    const seconds = Math.max(1, (now - last.at) / 1000);
    const summary = {
      connections: { active: stats.connectionsActive, peak: Math.max(windowPeak, stats.connectionsActive) },
      subscriptions: stats.subscriptionsActive,
      sse: stats.sseActive,
      messages: {
        in: stats.messagesIn - last.in,
        out: stats.messagesOut - last.out,
        perSecondOut: Math.round((stats.messagesOut - last.out) / seconds),
      },
      lastSync: run
        ? {
            run: run.id,
            status: run.status,
            at: (run.finishedAt ?? run.startedAt).toISOString(),
            durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
            applied: run.recordsOut,
          }
        : null,
    };
    const sync = summary.lastSync
      ? `last sync #${summary.lastSync.run} ${summary.lastSync.status} in ${summary.lastSync.durationMs ?? '?'} ms`
      : 'no sync yet';
    log.info(
      { summary },
      `${summary.connections.active} connections (peak ${summary.connections.peak}), ${summary.subscriptions} subscriptions, ${summary.sse} SSE streams, ${summary.messages.in} in / ${summary.messages.out} out; ${sync}`,
    );
    last = { in: stats.messagesIn, out: stats.messagesOut, at: now };
    windowPeak = stats.connectionsActive;
  };

  const sample = async () => {
    const interval = options.sampleIntervalMs;
    await recordConnectionSample(db, {
      at: new Date(Math.floor(Date.now() / interval) * interval),
      instance,
      connections: stats.connectionsActive,
      subscriptions: stats.subscriptionsActive,
      sseStreams: stats.sseActive,
    });
  };

  const timers: NodeJS.Timeout[] = [peakWatch];
  if (options.summaryIntervalMs > 0) {
    const timer = setInterval(() => {
      summarize().catch((err: unknown) => log.warn({ err }, 'could not write the summary line'));
    }, options.summaryIntervalMs);
    timer.unref();
    timers.push(timer);
  }
  if (options.sampleIntervalMs > 0) {
    const timer = setInterval(() => {
      sample().catch((err: unknown) => log.warn({ err }, 'could not store the connection sample'));
    }, options.sampleIntervalMs);
    timer.unref();
    timers.push(timer);
  }
  return {
    summarize,
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
