import type { AppDeps } from '../context';

/** What the transport counts since the process started (the server implements the source). */
export interface RealtimeStats {
  connections: {
    /** WebSocket connections accepted since start. */
    total: number;
    active: number;
    /** Highest `active` seen since start. */
    peak: number;
  };
  subscriptions: { total: number; active: number };
  /** Server-Sent-Events streams (the fallback transport). */
  sse: { total: number; active: number };
  /** WebSocket frames received and sent (pings excluded). */
  messages: { in: number; out: number };
  /** Requests and connections refused as UNAUTHORIZED or FORBIDDEN. */
  authFailures: number;
  /** Connections closed because they stopped answering pings. */
  keepAliveTimeouts: number;
  /** Connections closed for reading too slowly (their send buffer passed the limit). */
  slowConsumersDropped: number;
  /** Connections closed for breaking a limit, by limit. */
  limitViolations: { messageTooLarge: number; messageRate: number; subscriptions: number };
}

export interface RealtimeStatsSource {
  snapshot(): RealtimeStats;
}

export interface AdminStats {
  realtime: RealtimeStats | null;
  bus: { kind: 'in-process' | 'redis'; ok: boolean };
  memory: { rssBytes: number; heapUsedBytes: number };
  at: Date;
}

/** Transport counters, event-bus state and process memory, for the admin dashboard. */
export function adminStats(deps: AppDeps): AdminStats {
  const bus = deps.bus.health();
  const memory = process.memoryUsage();
  return {
    realtime: deps.realtime?.snapshot() ?? null,
    bus: { kind: bus.kind, ok: bus.connected },
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    at: new Date(),
  };
}
